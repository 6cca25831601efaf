package dev.glimpse.platform.http;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which web pages and host names a server answers to. Cross-origin browser requests get CORS headers only for
 * origins on the allow-list ({@code http.cors.origins}, empty by default: no wildcard ever); a state-changing request
 * whose {@code Origin} is neither the server's own nor on the list is refused (CSRF). The {@code Host} header must name
 * this server — loopback names when it is bound to loopback, plus {@code http.hosts} — so a page on a rebinding
 * domain that resolves to 127.0.0.1 is refused (DNS rebinding). A server bound to every interface checks the Host only
 * when {@code http.hosts} is given (it cannot know the names it is reached by).
 */
public final class OriginPolicy implements RequestFilter {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

    private final Set<String> corsOrigins;
    private final Set<String> hosts;
    private final boolean checkHost;

    public OriginPolicy(HttpSettings settings) {
        this.corsOrigins = Set.copyOf(settings.corsOrigins().stream().map(OriginPolicy::normalise).toList());
        Set<String> names = new HashSet<>();
        settings.hosts().forEach(h -> names.add(h.toLowerCase(Locale.ROOT)));
        boolean loopback = isLoopback(settings.bind());
        if (loopback) {
            names.addAll(LOOPBACK_NAMES);
            names.add(settings.bind().toLowerCase(Locale.ROOT));
        }
        this.hosts = Set.copyOf(names);
        this.checkHost = loopback || !settings.hosts().isEmpty();
    }

    @Override
    public boolean filter(HttpCall call) {
        String host = call.header("Host");
        if (checkHost && (host == null || !hosts.contains(hostName(host)))) {
            throw new HttpError(403, "host-not-allowed", "Host '" + abbreviate(String.valueOf(host)) + "' is not a name of this "
                    + "server (a DNS-rebinding page?); add it to http.hosts if it is", Map.of());
        }
        String origin = call.header("Origin");
        if (origin == null) {
            return true; // not a cross-site browser request (curl, scripts, same-origin GET)
        }
        boolean sameOrigin = host != null && sameOrigin(origin, host);
        boolean listed = corsOrigins.contains(normalise(origin));
        if (listed && !sameOrigin) {
            call.setHeader("Access-Control-Allow-Origin", origin);
            call.setHeader("Vary", "Origin");
            if (call.method().equals("OPTIONS")) {
                call.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                call.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
                call.setHeader("Access-Control-Max-Age", "600");
                call.sendEmpty(204);
                return false;
            }
        }
        if (!sameOrigin && !listed && !SAFE_METHODS.contains(call.method())) {
            throw new HttpError(403, "origin-not-allowed", "cross-origin " + call.method() + " from '" + abbreviate(origin)
                    + "' refused (allow an origin with http.cors.origins)", Map.of());
        }
        return true;
    }

    /** Host header without its port, lower case: {@code LocalHost:8080} → {@code localhost}, {@code [::1]:80} → {@code [::1]}. */
    static String hostName(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static boolean sameOrigin(String origin, String host) {
        try {
            URI o = URI.create(origin.trim());
            if (o.getHost() == null) {
                return false; // "null" origins (sandboxed frames, files) are never the server's own
            }
            String authority = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
            String h = host.trim().toLowerCase(Locale.ROOT);
            String defaultPort = "https".equals(o.getScheme()) ? ":443" : ":80";
            return authority.equalsIgnoreCase(h) || (authority + defaultPort).equalsIgnoreCase(h)
                    || authority.equalsIgnoreCase(h.endsWith(defaultPort) ? h.substring(0, h.length() - defaultPort.length()) : h);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String normalise(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    static boolean isLoopback(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        return a.startsWith("127.") || a.equals("localhost") || a.equals("::1") || a.equals("[::1]");
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** For tests and logs: the allow-listed origins. */
    public List<String> corsOrigins() {
        return List.copyOf(corsOrigins);
    }
}
