package dev.virtchain.bench.live;

import java.util.Arrays;
import java.util.List;

/** Medians and percentiles of measured times. */
public final class Stats {
    private Stats() {
    }

    public static double median(List<Double> values) {
        return percentile(values, 50);
    }

    /** Nearest-rank percentile; the median of an even count is the mean of the two middle values. */
    public static double percentile(List<Double> values, int p) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        if (p == 50 && v.length % 2 == 0) {
            return (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    public static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }
}
