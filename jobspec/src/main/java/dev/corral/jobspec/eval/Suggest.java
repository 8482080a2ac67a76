package dev.corral.jobspec.eval;

import java.util.Collection;

/** "Did you mean" suggestions by edit distance. */
public final class Suggest {

    private Suggest() {
    }

    /**
     * {@code "; did you mean \"x\"?"} for the closest candidate within a small edit distance,
     * or the empty string.
     */
    public static String didYouMean(String given, Collection<String> candidates) {
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        // Sorted so that ties resolve the same way whatever the collection's iteration order.
        for (String c : new java.util.TreeSet<>(candidates)) {
            int d = distance(given.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDist) {
                bestDist = d;
                best = c;
            }
        }
        int limit = Math.max(2, given.length() / 3);
        return best != null && bestDist <= limit && bestDist < given.length() ? "; did you mean \"" + best + "\"?" : "";
    }

    static int distance(String a, String b) {
        if (a.length() > 64 || b.length() > 64) {
            return a.equals(b) ? 0 : Integer.MAX_VALUE;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
