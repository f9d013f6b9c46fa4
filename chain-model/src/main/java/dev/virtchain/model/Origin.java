package dev.virtchain.model;

import java.util.Objects;

/** Who made a snapshot: a user, a retention policy (named), or adoption of a hand-made chain. */
public record Origin(Kind kind, String policy) {
    public enum Kind { MANUAL, POLICY, ADOPTED }

    public Origin {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.POLICY) != (policy != null)) {
            throw new IllegalArgumentException("a policy name goes with, and only with, origin POLICY");
        }
    }

    public static Origin manual() {
        return new Origin(Kind.MANUAL, null);
    }

    public static Origin adopted() {
        return new Origin(Kind.ADOPTED, null);
    }

    public static Origin policy(String name) {
        return new Origin(Kind.POLICY, Objects.requireNonNull(name, "name"));
    }
}
