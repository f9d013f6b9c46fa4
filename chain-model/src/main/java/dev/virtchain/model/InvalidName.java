package dev.virtchain.model;

/** A snapshot, disk or domain name that breaks {@link Names}' rule. */
public final class InvalidName extends ChainException {
    private static final long serialVersionUID = 1L;

    private final String kind;
    private final String name;

    InvalidName(String kind, String name, String problem, String domain) {
        super(kind + " name " + Names.quote(name)
                + (domain == null ? "" : " in domain " + domain)
                + " is invalid: " + problem + "; " + Names.RULE, domain, null,
                "snapshot".equals(kind) ? name : null, null);
        this.kind = kind;
        this.name = name;
    }

    /** What was being named: "snapshot", "domain", "disk target", "policy", "hold". */
    public String kind() {
        return kind;
    }

    public String name() {
        return name;
    }
}
