package dev.corral.driver;

/** Driver health as the Nomad client sees it. Only {@code HEALTHY} drivers get tasks placed. */
public enum HealthState {
    UNDETECTED,
    UNHEALTHY,
    HEALTHY;

    /** Nomad's wire spelling. */
    public String nomadName() {
        return switch (this) {
            case UNDETECTED -> "undetected";
            case UNHEALTHY -> "unhealthy";
            case HEALTHY -> "healthy";
        };
    }
}
