package dev.corral.jobspec.model;

/** When a lifecycle task runs relative to the main tasks of its group. */
public enum LifecycleHook {
    PRESTART, POSTSTART, POSTSTOP
}
