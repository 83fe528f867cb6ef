// Differential-test oracle for `$input.json(path)`: Jayway JsonPath (Debian `libjsonpath-java`) in
// its default configuration (json-smart provider, no options), as API Gateway is believed to use it.
//
//   batch IN_FILE OUT_FILE
//       IN_FILE holds records "<tag> <byte length>\n<UTF-8 bytes>": tag D sets the document (JSON
//       text, parsed by Jayway's json-smart provider), tag P evaluates a path on the current
//       document. OUT_FILE receives, per P record, "<status> <byte length>\n<text>":
//         OK       the result as json-smart writes it (JSONValue.toJSONString, compact);
//         MISSING  PathNotFoundException (a definite path that does not exist);
//         ERR      any other exception (invalid path, ...): the text is its class and message.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import net.minidev.json.JSONValue;

public class JsonPathOracle {
    public static void main(String[] args) throws Exception {
        if (!args[0].equals("batch")) throw new IllegalArgumentException("usage: batch IN OUT");
        Configuration conf = Configuration.defaultConfiguration();
        byte[] in = Files.readAllBytes(Paths.get(args[1]));
        OutputStream out = new BufferedOutputStream(new FileOutputStream(args[2]));
        String docText = "{}";
        int pos = 0;
        while (pos < in.length) {
            int nl = pos;
            while (in[nl] != '\n') nl++;
            String header = new String(in, pos, nl - pos, StandardCharsets.US_ASCII);
            char tag = header.charAt(0);
            int len = Integer.parseInt(header.substring(2));
            String text = new String(in, nl + 1, len, StandardCharsets.UTF_8);
            pos = nl + 1 + len;
            if (tag == 'D') {
                docText = text;
                continue;
            }
            String status;
            String result;
            try {
                // A fresh parse per path: nothing a path does can leak into the next one.
                Object doc = conf.jsonProvider().parse(docText);
                Object r = JsonPath.compile(text).read(doc, conf);
                status = "OK";
                result = JSONValue.toJSONString(r);
            } catch (PathNotFoundException e) {
                status = "MISSING";
                result = String.valueOf(e.getMessage());
            } catch (Throwable t) {
                status = "ERR";
                result = t.getClass().getName() + ": " + t.getMessage();
            }
            byte[] b = result.getBytes(StandardCharsets.UTF_8);
            out.write((status + " " + b.length + "\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
        }
        out.close();
    }
}
