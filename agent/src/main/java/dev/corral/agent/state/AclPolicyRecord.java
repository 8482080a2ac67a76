package dev.corral.agent.state;

/** One ACL policy as stored: its rules exactly as written (HCL or JSON). */
public record AclPolicyRecord(String name, String description, String rules, long createIndex, long modifyIndex) {

    AclPolicyRecord withIndexes(long create, long modify) {
        return new AclPolicyRecord(name, description, rules, create, modify);
    }
}
