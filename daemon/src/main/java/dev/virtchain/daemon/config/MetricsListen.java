package dev.virtchain.daemon.config;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the Prometheus endpoint listens: an IP address literal and a TCP port. Only literals are
 * accepted, never host names: a name would make the bound address depend on what a resolver
 * answers at start, and the endpoint must never end up on an address the operator did not write.
 *
 * @param address an IPv4 literal ({@code 127.0.0.1}) or an IPv6 literal without brackets ({@code ::1})
 * @param port    1 to 65535
 */
public record MetricsListen(String address, int port) {

    /** The setting in {@code [daemon]}. */
    static final String KEY = "metrics-listen";

    /** The word that turns the endpoint off. */
    public static final String NONE = "none";

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern V4_WITH_PORT = Pattern.compile("([0-9.]+):(\\d{1,5})");
    private static final Pattern V6_WITH_PORT = Pattern.compile("\\[([^\\]]+)]:(\\d{1,5})");

    /** After the patterns: the constructor uses them. */
    public static final MetricsListen DEFAULT = new MetricsListen("127.0.0.1", 9477);

    public MetricsListen {
        Objects.requireNonNull(address, "address");
        if (!isIpv4(address) && !IPV6.matcher(address).matches()) {
            throw new ConfigInvalid(KEY, "'" + address + "' is not an IP address literal");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigInvalid(KEY, "port " + port + " is not between 1 and 65535");
        }
    }

    /**
     * Reads {@code ADDRESS:PORT} ({@code 127.0.0.1:9477}, {@code [::1]:9477}) or {@value #NONE}
     * (empty: no endpoint).
     */
    public static Optional<MetricsListen> parse(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase(NONE)) {
            return Optional.empty();
        }
        Matcher v4 = V4_WITH_PORT.matcher(t);
        Matcher v6 = V6_WITH_PORT.matcher(t);
        String address;
        String port;
        if (v4.matches()) {
            address = v4.group(1);
            port = v4.group(2);
        } else if (v6.matches()) {
            address = v6.group(1);
            port = v6.group(2);
        } else {
            throw new ConfigInvalid(KEY, "expected ADDRESS:PORT with an IP address (127.0.0.1:9477, "
                    + "0.0.0.0:9477, [::1]:9477) or 'none', got '" + text + "'");
        }
        return Optional.of(new MetricsListen(address, Integer.parseInt(port)));
    }

    private static boolean isIpv4(String s) {
        Matcher m = IPV4.matcher(s);
        if (!m.matches()) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    /** As written in the configuration: {@code 127.0.0.1:9477} or {@code [::1]:9477}. */
    @Override
    public String toString() {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }
}
