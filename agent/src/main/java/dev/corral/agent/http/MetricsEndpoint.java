package dev.corral.agent.http;

import dev.corral.agent.http.NomadJson.GaugeValue;
import dev.corral.agent.http.NomadJson.MetricsSummary;
import dev.corral.agent.http.NomadJson.SampledValue;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DistributionDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v1/metrics}: Nomad's JSON {@code MetricsSummary} by default, the Prometheus text
 * format with {@code ?format=prometheus}. Both read the same registry.
 */
final class MetricsEndpoint {
    private MetricsEndpoint() {}

    static void serve(ApiCall c, PrometheusRegistry registry) throws IOException {
        MetricSnapshots snapshots = registry.scrape();
        String format = c.query("format");
        if ("prometheus".equals(format)) {
            PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
            OutputStream out = c.startStream(writer.getContentType());
            writer.write(out, snapshots, EscapingScheme.UNDERSCORE_ESCAPING);
            return;
        }
        if (format != null && !format.isEmpty()) {
            throw ApiException.badRequest("Invalid format: \"" + format + "\" (supported: prometheus)");
        }
        c.json(200, summary(snapshots));
    }

    static MetricsSummary summary(MetricSnapshots snapshots) {
        List<GaugeValue> gauges = new ArrayList<>();
        List<SampledValue> counters = new ArrayList<>();
        List<SampledValue> samples = new ArrayList<>();
        for (MetricSnapshot s : snapshots) {
            String name = s.getMetadata().getName();
            switch (s) {
                case GaugeSnapshot g -> g.getDataPoints().forEach(p ->
                        gauges.add(new GaugeValue(name, p.getValue(), labels(p.getLabels()))));
                case CounterSnapshot k -> k.getDataPoints().forEach(p -> {
                    double v = p.getValue();
                    counters.add(new SampledValue(name, (long) v, v, v, v, v, v, 0, labels(p.getLabels())));
                });
                default -> s.getDataPoints().forEach(p -> {
                    if (p instanceof DistributionDataPointSnapshot d) {
                        long n = d.getCount();
                        double sum = d.getSum();
                        samples.add(new SampledValue(name, n, sum, sum, 0, 0,
                                n == 0 ? 0 : sum / n, 0, labels(d.getLabels())));
                    }
                });
            }
        }
        return new MetricsSummary(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), gauges, List.of(),
                counters, samples);
    }

    private static Map<String, String> labels(Labels labels) {
        Map<String, String> m = new LinkedHashMap<>();
        labels.forEach(l -> m.put(l.getName(), l.getValue()));
        return m;
    }
}
