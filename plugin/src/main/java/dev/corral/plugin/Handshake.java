package dev.corral.plugin;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * go-plugin's launch contract (v1.6, as Nomad 1.6 uses it): the magic cookie in the
 * environment, the negotiated app protocol version, and the one line printed on stdout once
 * the server listens.
 */
public final class Handshake {
    public static final String MAGIC_COOKIE_KEY = "NOMAD_PLUGIN_MAGIC_COOKIE";
    public static final String MAGIC_COOKIE_VALUE = "e4327c2e01eabfd75a8a67adb114fb34a757d57eee7728d857a8cec6e91a7255";
    /** go-plugin's core protocol version. */
    public static final int CORE_PROTOCOL_VERSION = 1;
    /** Nomad's plugin protocol version ({@code base.Handshake.ProtocolVersion}). */
    public static final int APP_PROTOCOL_VERSION = 2;

    private Handshake() {}

    /** Empty when the cookie is right, else the message to print before exiting 1. */
    public static Optional<String> checkCookie(Map<String, String> env) {
        String cookie = env.get(MAGIC_COOKIE_KEY);
        if (MAGIC_COOKIE_VALUE.equals(cookie)) {
            return Optional.empty();
        }
        return Optional.of("This binary is a plugin. These are not meant to be executed directly.\n"
                + "Please execute the program that consumes these plugins, which will\n"
                + "load any plugins automatically (Nomad: put it in the agent's plugin_dir).\n"
                + (cookie == null ? "" : "(" + MAGIC_COOKIE_KEY + " is set but does not match Nomad's cookie.)\n"));
    }

    /**
     * The app protocol version to speak: 2 if the host offers it in {@code PLUGIN_PROTOCOL_VERSIONS}
     * (comma-separated) or offers nothing.
     *
     * @throws IllegalArgumentException when the host offers only versions we do not speak
     */
    public static int negotiateVersion(Map<String, String> env) {
        String offered = env.getOrDefault("PLUGIN_PROTOCOL_VERSIONS", "").trim();
        if (offered.isEmpty()) {
            return APP_PROTOCOL_VERSION;
        }
        for (String v : offered.split(",")) {
            if (v.trim().equals(Integer.toString(APP_PROTOCOL_VERSION))) {
                return APP_PROTOCOL_VERSION;
            }
        }
        throw new IllegalArgumentException("Incompatible API version with plugin. Plugin version: "
                + APP_PROTOCOL_VERSION + ", Client versions: " + offered);
    }

    /** {@code 1|2|unix|<path>|grpc|}: core, app version, network, address, protocol, empty server cert. */
    public static String line(int appVersion, Path socket) {
        return CORE_PROTOCOL_VERSION + "|" + appVersion + "|unix|" + socket + "|grpc|";
    }
}
