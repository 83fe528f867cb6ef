// Differential-test oracle: Apache Velocity 1.7 with API Gateway's "null renders as empty" rule.
//
// Modes:
//   batch VARS_JSON_FILE IN_FILE OUT_FILE
//       IN_FILE holds records "<byte length>\n<UTF-8 template bytes>"; OUT_FILE receives, per record,
//       "OK <byte length>\n<output>" or "ERR <byte length>\n<message>".
// (Timing lives in scripts/bench-support/VelocityBench.java, run by scripts/bench.)
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import org.apache.velocity.app.event.EventCartridge;
import org.apache.velocity.app.event.ReferenceInsertionEventHandler;

public class VelocityOracle {
    /** API Gateway renders null and undefined references as "" (apigateway-semantics.md 2.2). */
    public static class NullAsEmpty implements ReferenceInsertionEventHandler {
        public Object referenceInsert(String reference, Object value) {
            return value == null ? "" : value;
        }
    }

    static VelocityEngine engine() throws Exception {
        VelocityEngine ve = new VelocityEngine();
        ve.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        ve.setProperty("velocimacro.permissions.allow.inline.local.scope", "true");
        ve.init();
        return ve;
    }

    static VelocityContext context(Map<String, Object> vars) {
        VelocityContext ctx = new VelocityContext();
        for (Map.Entry<String, Object> e : vars.entrySet()) ctx.put(e.getKey(), e.getValue());
        EventCartridge ec = new EventCartridge();
        ec.addEventHandler(new NullAsEmpty());
        ec.attachToContext(ctx);
        return ctx;
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        VelocityEngine ve = engine();
        if (args[0].equals("batch")) {
            String varsText = new String(Files.readAllBytes(Paths.get(args[1])), StandardCharsets.UTF_8);
            byte[] in = Files.readAllBytes(Paths.get(args[2]));
            OutputStream out = new BufferedOutputStream(new FileOutputStream(args[3]));
            int pos = 0, n = 0;
            while (pos < in.length) {
                int nl = pos;
                while (in[nl] != '\n') nl++;
                int len = Integer.parseInt(new String(in, pos, nl - pos, StandardCharsets.US_ASCII));
                String tpl = new String(in, nl + 1, len, StandardCharsets.UTF_8);
                pos = nl + 1 + len;
                // Fresh values per template: templates mutate lists and maps.
                Map<String, Object> vars = (Map<String, Object>) new Json(varsText).parse();
                String status;
                String text;
                try {
                    StringWriter w = new StringWriter();
                    ve.evaluate(context(vars), w, "t" + (n++), tpl);
                    status = "OK";
                    text = w.toString();
                } catch (Throwable t) {
                    status = "ERR";
                    text = String.valueOf(t.getClass().getSimpleName());
                }
                byte[] b = text.getBytes(StandardCharsets.UTF_8);
                out.write((status + " " + b.length + "\n").getBytes(StandardCharsets.US_ASCII));
                out.write(b);
            }
            out.close();
        }
    }

    /** Minimal JSON reader: objects -> LinkedHashMap, arrays -> ArrayList, integers -> Integer/Long, other numbers -> Double. */
    static final class Json {
        private final String s;
        private int i;
        Json(String s) { this.s = s; }
        Object parse() { ws(); Object v = value(); ws(); return v; }
        private void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
        private Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    ws();
                    String k = str();
                    ws(); i++; // ':'
                    m.put(k, value());
                    ws();
                    if (s.charAt(i++) == '}') return m;
                }
            } else if (c == '[') {
                i++;
                List<Object> l = new ArrayList<>();
                ws();
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    l.add(value());
                    ws();
                    if (s.charAt(i++) == ']') return l;
                }
            } else if (c == '"') {
                return str();
            } else if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
            else if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
            else if (s.startsWith("null", i)) { i += 4; return null; }
            int st = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
            String num = s.substring(st, i);
            if (num.contains(".") || num.contains("e") || num.contains("E")) return Double.valueOf(num);
            long l = Long.parseLong(num);
            if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) return Integer.valueOf((int) l);
            return Long.valueOf(l);
        }
        private String str() {
            StringBuilder b = new StringBuilder();
            i++;
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n': b.append('\n'); break;
                        case 't': b.append('\t'); break;
                        case 'r': b.append('\r'); break;
                        case 'b': b.append('\b'); break;
                        case 'f': b.append('\f'); break;
                        case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                        default: b.append(e);
                    }
                } else b.append(c);
            }
        }
    }
}
