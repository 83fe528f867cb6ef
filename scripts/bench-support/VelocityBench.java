// The reference side of scripts/bench's VTL pair: Apache Velocity 1.7 (Debian's `velocity`) in a
// warm JVM renders the seed Scan response template over the same ~1 MB Scan page as
// `vtl/examples/scan_bench.rs`.
//
//   java -cp $VELOCITY_CLASSPATH:$JACKSON_CLASSPATH:DIR VelocityBench TEMPLATE BODY SECONDS WARMUP OUT
//
// The template is parsed and compiled ONCE (RuntimeInstance.parse -> Template); every iteration
// parses the body with Jackson (ObjectMapper.readValue(body, Map.class): LinkedHashMap and
// ArrayList, as API Gateway's $input.path gives the template) and merges the template into a
// fresh StringWriter. No event handler is attached (API Gateway's null-as-empty rule changes
// nothing on this page, and leaving it out only makes Velocity faster). The output of one render
// is written to OUT; then WARMUP seconds of warm-up, then SECONDS of whole iterations, and
// `key=value` lines with the mean (wall time, and process CPU time).
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.velocity.Template;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.runtime.RuntimeInstance;
import org.apache.velocity.runtime.parser.node.SimpleNode;

public class VelocityBench {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Just enough of API Gateway's $input for this template: body and dotted JSONPath. */
    public static class Input {
        private final String body;
        private final Object root;

        Input(String body) throws IOException {
            this.body = body;
            this.root = MAPPER.readValue(body, Map.class);
        }

        public String getBody() { return body; }

        public Object path(String p) {
            Object cur = root;
            if (p.equals("$")) return cur;
            for (String part : p.substring(2).split("\\.")) {
                if (!(cur instanceof Map)) return null;
                cur = ((Map<?, ?>) cur).get(part);
            }
            return cur;
        }
    }

    static String renderOnce(Template t, String body) throws Exception {
        VelocityContext ctx = new VelocityContext();
        ctx.put("input", new Input(body));
        StringWriter w = new StringWriter(1 << 20);
        t.merge(ctx, w);
        return w.toString();
    }

    public static void main(String[] args) throws Exception {
        String tpl = new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8);
        String body = new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8);
        double seconds = Double.parseDouble(args[2]);
        double warmup = Double.parseDouble(args[3]);

        RuntimeInstance ri = new RuntimeInstance();
        ri.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        ri.init();
        SimpleNode node = ri.parse(new StringReader(tpl), "scan.response.vtl");
        Template t = new Template();
        t.setRuntimeServices(ri);
        t.setName("scan.response.vtl");
        t.setData(node);
        t.initDocument();

        String out = renderOnce(t, body);
        Files.write(Paths.get(args[4]), out.getBytes(StandardCharsets.UTF_8));
        long sink = 0;
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1e9 < warmup) sink += renderOnce(t, body).length();
        // Process CPU time (the JIT's and the garbage collector's threads included).
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        start = System.nanoTime();
        long n = 0;
        while (n == 0 || (System.nanoTime() - start) / 1e9 < seconds) {
            sink += renderOnce(t, body).length();
            n++;
        }
        double el = (System.nanoTime() - start) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;

        // Jackson alone on the same page, for the record.
        long jstart = System.nanoTime();
        long jn = 0;
        while (jn == 0 || (System.nanoTime() - jstart) / 1e9 < Math.min(seconds, 3.0)) {
            sink += MAPPER.readValue(body, Map.class).size();
            jn++;
        }
        double jel = (System.nanoTime() - jstart) / 1e9;

        System.out.printf(Locale.ROOT, "velocity_page_bytes=%d%n", body.getBytes(StandardCharsets.UTF_8).length);
        System.out.printf(Locale.ROOT, "velocity_output_bytes=%d%n", out.getBytes(StandardCharsets.UTF_8).length);
        System.out.printf(Locale.ROOT, "velocity_iterations=%d%n", n);
        System.out.printf(Locale.ROOT, "velocity_seconds=%.3f%n", el);
        System.out.printf(Locale.ROOT, "velocity_ms=%.3f%n", el * 1e3 / n);
        System.out.printf(Locale.ROOT, "velocity_cpu_ms=%.3f%n", cpu * 1e3 / n);
        System.out.printf(Locale.ROOT, "jackson_iterations=%d%n", jn);
        System.out.printf(Locale.ROOT, "jackson_ms=%.3f%n", jel * 1e3 / jn);
        System.out.printf(Locale.ROOT, "sink=%d%n", sink);
    }
}
