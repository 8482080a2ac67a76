package dev.corral.jobspec.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.model.Value;
import dev.corral.jobspec.model.Value.Bool;
import dev.corral.jobspec.model.Value.ListValue;
import dev.corral.jobspec.model.Value.MapValue;
import dev.corral.jobspec.model.Value.Null;
import dev.corral.jobspec.model.Value.Num;
import dev.corral.jobspec.model.Value.Str;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The function library of Nomad job files: string, collection, encoding, numeric, hash and
 * file functions (no date or random functions, so evaluation is reproducible). {@code try}
 * and {@code can} are handled by the {@link Evaluator}.
 */
public final class Functions {

    /** Longest list or string a function may build, so a job file cannot exhaust memory. */
    static final int MAX_ELEMENTS = 1 << 20;

    @FunctionalInterface
    interface Fn {
        Value apply(List<Value> a, SourcePos pos);
    }

    private record Def(int min, int max, Fn fn) {
    }

    /** Built on the first jsonencode/jsondecode: most job files call neither, and Jackson is slow to load. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private final Map<String, Def> defs = new TreeMap<>();
    private final Path baseDir;

    private Functions(Path baseDir) {
        this.baseDir = baseDir;
        strings();
        collections();
        numeric();
        encoding();
        files();
        network();
    }

    /**
     * The standard library.
     *
     * @param baseDir directory that {@code file()} and friends resolve relative paths against
     *                (the job file's directory); null disables file access
     */
    public static Functions standard(Path baseDir) {
        return new Functions(baseDir);
    }

    /** Whether {@code file()} and friends may read files (a job read from a file), or are disabled. */
    public boolean filesAllowed() {
        return baseDir != null;
    }

    /** Names of all functions, sorted; {@code try} and {@code can} included. */
    public Set<String> names() {
        Set<String> s = new TreeSet<>(defs.keySet());
        s.add("try");
        s.add("can");
        s.add("convert");
        return s;
    }

    /** Calls a function by name. */
    public Value call(String name, List<Value> args, SourcePos pos) {
        Def d = defs.get(name);
        if (d == null) {
            throw new EvalException(pos, "unknown function \"" + name + "\"" + Suggest.didYouMean(name, names()));
        }
        if (args.size() < d.min || (d.max >= 0 && args.size() > d.max)) {
            String want = d.min == d.max ? String.valueOf(d.min) : d.max < 0 ? "at least " + d.min : d.min + " to " + d.max;
            throw new EvalException(pos, name + "() takes " + want + " argument" + (want.equals("1") ? "" : "s")
                    + ", got " + args.size());
        }
        try {
            return d.fn.apply(args, pos);
        } catch (ArithmeticException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new EvalException(pos, name + "(): " + e.getMessage());
        }
    }

    private void def(String name, int min, int max, Fn fn) {
        defs.put(name, new Def(min, max, fn));
    }

    // ------------------------------------------------------------------ helpers

    private static String str(Value v, SourcePos pos, String fn) {
        return Values.asString(v, pos, fn + "() argument");
    }

    private static BigDecimal num(Value v, SourcePos pos, String fn) {
        return Values.asNumber(v, pos, fn + "() argument");
    }

    private static int integer(Value v, SourcePos pos, String fn) {
        return Values.asInt(v, pos, fn + "() argument");
    }

    private static List<Value> list(Value v, SourcePos pos, String fn) {
        return Values.asList(v, pos, fn + "() argument").items();
    }

    private static Map<String, Value> map(Value v, SourcePos pos, String fn) {
        return Values.asMap(v, pos, fn + "() argument").entries();
    }

    private static Value strs(List<String> l) {
        return new ListValue(l.stream().map(Value::of).toList());
    }

    private static Value limited(String s, SourcePos pos) {
        if (s.length() > MAX_ELEMENTS) {
            throw new EvalException(pos, "the result is longer than " + MAX_ELEMENTS + " characters");
        }
        return new Str(s);
    }

    private static Value limited(List<Value> l, SourcePos pos) {
        if (l.size() > MAX_ELEMENTS) {
            throw new EvalException(pos, "the result has more than " + MAX_ELEMENTS + " elements");
        }
        return new ListValue(l);
    }

    private static Pattern regex(String re, SourcePos pos) {
        try {
            return Pattern.compile(re);
        } catch (PatternSyntaxException e) {
            throw new EvalException(pos, "invalid regular expression \"" + re + "\": " + e.getDescription());
        }
    }

    // ------------------------------------------------------------------ strings

    private void strings() {
        def("upper", 1, 1, (a, p) -> new Str(str(a.get(0), p, "upper").toUpperCase(Locale.ROOT)));
        def("lower", 1, 1, (a, p) -> new Str(str(a.get(0), p, "lower").toLowerCase(Locale.ROOT)));
        def("title", 1, 1, (a, p) -> {
            StringBuilder sb = new StringBuilder();
            boolean start = true;
            for (char c : str(a.get(0), p, "title").toCharArray()) {
                sb.append(start ? Character.toTitleCase(c) : c);
                start = !Character.isLetter(c);
            }
            return new Str(sb.toString());
        });
        def("strlen", 1, 1, (a, p) -> {
            String s = str(a.get(0), p, "strlen");
            return Num.of(s.codePointCount(0, s.length()));
        });
        def("strrev", 1, 1, (a, p) -> new Str(new StringBuilder(str(a.get(0), p, "strrev")).reverse().toString()));
        def("substr", 3, 3, (a, p) -> {
            String s = str(a.get(0), p, "substr");
            int[] cps = s.codePoints().toArray();
            int off = integer(a.get(1), p, "substr");
            int len = integer(a.get(2), p, "substr");
            if (off < 0) {
                off = Math.max(0, cps.length + off);
            }
            if (off > cps.length) {
                throw new IllegalArgumentException("offset " + off + " is beyond the end of the string");
            }
            int end = len < 0 ? cps.length : (int) Math.min(cps.length, (long) off + len);
            return new Str(new String(cps, off, end - off));
        });
        def("trim", 2, 2, (a, p) -> {
            String s = str(a.get(0), p, "trim");
            String cut = str(a.get(1), p, "trim");
            int b = 0;
            int e = s.length();
            while (b < e && cut.indexOf(s.charAt(b)) >= 0) {
                b++;
            }
            while (e > b && cut.indexOf(s.charAt(e - 1)) >= 0) {
                e--;
            }
            return new Str(s.substring(b, e));
        });
        def("trimspace", 1, 1, (a, p) -> new Str(str(a.get(0), p, "trimspace").strip()));
        def("trimprefix", 2, 2, (a, p) -> {
            String s = str(a.get(0), p, "trimprefix");
            String x = str(a.get(1), p, "trimprefix");
            return new Str(s.startsWith(x) ? s.substring(x.length()) : s);
        });
        def("trimsuffix", 2, 2, (a, p) -> {
            String s = str(a.get(0), p, "trimsuffix");
            String x = str(a.get(1), p, "trimsuffix");
            return new Str(s.endsWith(x) ? s.substring(0, s.length() - x.length()) : s);
        });
        def("chomp", 1, 1, (a, p) -> new Str(str(a.get(0), p, "chomp").replaceAll("[\\r\\n]+$", "")));
        def("indent", 2, 2, (a, p) -> {
            int n = integer(a.get(0), p, "indent");
            if (n < 0 || n > 1024) {
                throw new IllegalArgumentException("indentation must be between 0 and 1024");
            }
            return limited(str(a.get(1), p, "indent").replace("\n", "\n" + " ".repeat(n)), p);
        });
        def("split", 2, 2, (a, p) -> {
            String sep = str(a.get(0), p, "split");
            String s = str(a.get(1), p, "split");
            if (s.isEmpty()) {
                return strs(List.of(""));
            }
            if (sep.isEmpty()) {
                return limited(s.codePoints().mapToObj(c -> (Value) new Str(new String(Character.toChars(c)))).toList(), p);
            }
            return limited(java.util.Arrays.stream(s.split(Pattern.quote(sep), -1)).map(Value::of).toList(), p);
        });
        def("join", 2, -1, (a, p) -> {
            String sep = str(a.get(0), p, "join");
            List<String> parts = new ArrayList<>();
            for (Value l : a.subList(1, a.size())) {
                for (Value v : list(l, p, "join")) {
                    parts.add(str(v, p, "join"));
                }
            }
            return limited(String.join(sep, parts), p);
        });
        def("replace", 3, 3, (a, p) -> {
            String s = str(a.get(0), p, "replace");
            String find = str(a.get(1), p, "replace");
            String repl = str(a.get(2), p, "replace");
            if (find.length() > 1 && find.startsWith("/") && find.endsWith("/")) {
                return limited(regex(find.substring(1, find.length() - 1), p).matcher(s).replaceAll(goReplacement(repl)), p);
            }
            return limited(s.replace(find, repl), p);
        });
        def("regex_replace", 3, 3, (a, p) -> limited(regex(str(a.get(1), p, "regex_replace"), p)
                .matcher(str(a.get(0), p, "regex_replace")).replaceAll(goReplacement(str(a.get(2), p, "regex_replace"))), p));
        def("regex", 2, 2, (a, p) -> {
            Pattern re = regex(str(a.get(0), p, "regex"), p);
            Matcher m = re.matcher(str(a.get(1), p, "regex"));
            if (!m.find()) {
                throw new IllegalArgumentException("the pattern did not match; use can(regex(...)) to test for a match");
            }
            return matchValue(re, m);
        });
        def("regexall", 2, 2, (a, p) -> {
            Pattern re = regex(str(a.get(0), p, "regexall"), p);
            Matcher m = re.matcher(str(a.get(1), p, "regexall"));
            List<Value> out = new ArrayList<>();
            while (m.find() && out.size() <= MAX_ELEMENTS) {
                out.add(matchValue(re, m));
                if (m.end() == m.start() && m.end() >= m.regionEnd()) {
                    break;
                }
            }
            return limited(out, p);
        });
        def("startswith", 2, 2, (a, p) -> new Bool(str(a.get(0), p, "startswith").startsWith(str(a.get(1), p, "startswith"))));
        def("endswith", 2, 2, (a, p) -> new Bool(str(a.get(0), p, "endswith").endsWith(str(a.get(1), p, "endswith"))));
        def("strcontains", 2, 2, (a, p) -> new Bool(str(a.get(0), p, "strcontains").contains(str(a.get(1), p, "strcontains"))));
        def("format", 1, -1, (a, p) -> limited(GoFormat.format(str(a.get(0), p, "format"), a.subList(1, a.size()), p), p));
        def("formatlist", 1, -1, (a, p) -> {
            String f = str(a.get(0), p, "formatlist");
            int n = -1;
            for (Value v : a.subList(1, a.size())) {
                if (v instanceof ListValue l) {
                    if (n >= 0 && n != l.items().size()) {
                        throw new IllegalArgumentException("all list arguments must have the same length");
                    }
                    n = l.items().size();
                }
            }
            if (n < 0) {
                n = 1;
            }
            List<Value> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                List<Value> row = new ArrayList<>();
                for (Value v : a.subList(1, a.size())) {
                    row.add(v instanceof ListValue l ? l.items().get(i) : v);
                }
                out.add(new Str(GoFormat.format(f, row, p)));
            }
            return new ListValue(out);
        });
        def("tostring", 1, 1, (a, p) -> a.get(0) instanceof Null ? Value.NULL : new Str(str(a.get(0), p, "tostring")));
        def("tonumber", 1, 1, (a, p) -> a.get(0) instanceof Null ? Value.NULL : new Num(num(a.get(0), p, "tonumber")));
        def("tobool", 1, 1, (a, p) -> a.get(0) instanceof Null ? Value.NULL : new Bool(Values.asBool(a.get(0), p, "tobool() argument")));
        def("tolist", 1, 1, (a, p) -> a.get(0) instanceof Null ? Value.NULL : new ListValue(list(a.get(0), p, "tolist")));
        def("toset", 1, 1, (a, p) -> new ListValue(new ArrayList<>(new LinkedHashSet<>(list(a.get(0), p, "toset")))));
        def("tomap", 1, 1, (a, p) -> new MapValue(map(a.get(0), p, "tomap")));
    }

    /** Go's regexp replacement syntax ($1, ${name}) to Java's. */
    private static String goReplacement(String r) {
        return r.replace("\\", "\\\\").replaceAll("\\$\\{(\\w+)\\}", "\\${$1}").replaceAll("\\$(\\d+)", "\\$$1");
    }

    private static Value matchValue(Pattern re, Matcher m) {
        Map<String, Integer> named = re.namedGroups();
        if (!named.isEmpty()) {
            Map<String, Value> out = new TreeMap<>();
            named.forEach((n, i) -> out.put(n, m.group(i) == null ? Value.NULL : new Str(m.group(i))));
            return new MapValue(out);
        }
        if (m.groupCount() == 0) {
            return new Str(m.group());
        }
        List<Value> out = new ArrayList<>();
        for (int i = 1; i <= m.groupCount(); i++) {
            out.add(m.group(i) == null ? Value.NULL : new Str(m.group(i)));
        }
        return new ListValue(out);
    }

    // ------------------------------------------------------------------ collections

    private void collections() {
        def("length", 1, 1, (a, p) -> switch (a.get(0)) {
            case ListValue l -> Num.of(l.items().size());
            case MapValue m -> Num.of(m.entries().size());
            case Str s -> Num.of(s.value().codePointCount(0, s.value().length()));
            default -> throw new EvalException(p, "length() needs a list, map or string, got " + Values.describe(a.get(0)));
        });
        def("concat", 0, -1, (a, p) -> {
            List<Value> out = new ArrayList<>();
            for (Value v : a) {
                out.addAll(list(v, p, "concat"));
            }
            return limited(out, p);
        });
        def("hasindex", 2, 2, (a, p) -> switch (a.get(0)) {
            case ListValue l -> {
                BigDecimal i = num(a.get(1), p, "hasindex");
                yield new Bool(i.signum() >= 0 && i.stripTrailingZeros().scale() <= 0
                        && i.compareTo(BigDecimal.valueOf(l.items().size())) < 0);
            }
            case MapValue m -> new Bool(m.entries().containsKey(str(a.get(1), p, "hasindex")));
            default -> throw new EvalException(p, "hasindex() needs a list or map, got " + Values.describe(a.get(0)));
        });
        def("contains", 2, 2, (a, p) -> new Bool(list(a.get(0), p, "contains").contains(a.get(1))));
        def("index", 2, 2, (a, p) -> {
            int i = list(a.get(0), p, "index").indexOf(a.get(1));
            if (i < 0) {
                throw new IllegalArgumentException("the value is not in the list");
            }
            return Num.of(i);
        });
        def("element", 2, 2, (a, p) -> {
            List<Value> l = list(a.get(0), p, "element");
            if (l.isEmpty()) {
                throw new IllegalArgumentException("cannot use element() on an empty list");
            }
            int i = integer(a.get(1), p, "element");
            if (i < 0) {
                throw new IllegalArgumentException("the index must not be negative");
            }
            return l.get(i % l.size());
        });
        def("slice", 3, 3, (a, p) -> {
            List<Value> l = list(a.get(0), p, "slice");
            int from = integer(a.get(1), p, "slice");
            int to = integer(a.get(2), p, "slice");
            if (from < 0 || to > l.size() || from > to) {
                throw new IllegalArgumentException("indexes " + from + ".." + to + " are out of range for a list of " + l.size());
            }
            return new ListValue(l.subList(from, to));
        });
        def("reverse", 1, 1, (a, p) -> new ListValue(list(a.get(0), p, "reverse").reversed()));
        def("distinct", 1, 1, (a, p) -> new ListValue(new ArrayList<>(new LinkedHashSet<>(list(a.get(0), p, "distinct")))));
        def("compact", 1, 1, (a, p) -> new ListValue(list(a.get(0), p, "compact").stream()
                .filter(v -> !(v instanceof Null) && !(v instanceof Str s && s.value().isEmpty())).toList()));
        def("flatten", 1, 1, (a, p) -> {
            List<Value> out = new ArrayList<>();
            flatten(list(a.get(0), p, "flatten"), out, 0, p);
            return limited(out, p);
        });
        def("sort", 1, 1, (a, p) -> strs(list(a.get(0), p, "sort").stream().map(v -> str(v, p, "sort")).sorted().toList()));
        def("keys", 1, 1, (a, p) -> strs(new TreeMap<>(map(a.get(0), p, "keys")).keySet().stream().toList()));
        def("values", 1, 1, (a, p) -> new ListValue(new TreeMap<>(map(a.get(0), p, "values")).values().stream().toList()));
        def("lookup", 2, 3, (a, p) -> {
            Map<String, Value> m = map(a.get(0), p, "lookup");
            Value v = m.get(str(a.get(1), p, "lookup"));
            if (v != null) {
                return v;
            }
            if (a.size() == 3) {
                return a.get(2);
            }
            throw new IllegalArgumentException("the map has no key \"" + str(a.get(1), p, "lookup") + "\" and no default was given");
        });
        def("merge", 0, -1, (a, p) -> {
            Map<String, Value> out = new LinkedHashMap<>();
            for (Value v : a) {
                if (!(v instanceof Null)) {
                    out.putAll(map(v, p, "merge"));
                }
            }
            return new MapValue(out);
        });
        def("zipmap", 2, 2, (a, p) -> {
            List<Value> k = list(a.get(0), p, "zipmap");
            List<Value> v = list(a.get(1), p, "zipmap");
            if (k.size() != v.size()) {
                throw new IllegalArgumentException("the key list has " + k.size() + " elements but the value list has " + v.size());
            }
            Map<String, Value> out = new LinkedHashMap<>();
            for (int i = 0; i < k.size(); i++) {
                out.put(str(k.get(i), p, "zipmap"), v.get(i));
            }
            return new MapValue(out);
        });
        def("coalesce", 1, -1, (a, p) -> {
            for (Value v : a) {
                if (!(v instanceof Null) && !(v instanceof Str s && s.value().isEmpty())) {
                    return v;
                }
            }
            throw new IllegalArgumentException("no non-null, non-empty argument");
        });
        def("coalescelist", 1, -1, (a, p) -> {
            for (Value v : a) {
                if (!list(v, p, "coalescelist").isEmpty()) {
                    return v;
                }
            }
            return new ListValue(List.of());
        });
        def("chunklist", 2, 2, (a, p) -> {
            List<Value> l = list(a.get(0), p, "chunklist");
            int n = integer(a.get(1), p, "chunklist");
            if (n < 0) {
                throw new IllegalArgumentException("the chunk size must not be negative");
            }
            if (n == 0) {
                return new ListValue(List.of(new ListValue(l)));
            }
            List<Value> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i += n) {
                out.add(new ListValue(l.subList(i, Math.min(l.size(), i + n))));
            }
            return new ListValue(out);
        });
        def("range", 1, 3, (a, p) -> {
            BigDecimal start = BigDecimal.ZERO;
            BigDecimal end;
            BigDecimal step = BigDecimal.ONE;
            if (a.size() == 1) {
                end = num(a.get(0), p, "range");
            } else {
                start = num(a.get(0), p, "range");
                end = num(a.get(1), p, "range");
                step = a.size() == 3 ? num(a.get(2), p, "range") : (start.compareTo(end) > 0 ? BigDecimal.ONE.negate() : BigDecimal.ONE);
            }
            if (step.signum() == 0) {
                throw new IllegalArgumentException("the step must not be zero");
            }
            BigDecimal count = end.subtract(start).divide(step, 0, RoundingMode.CEILING);
            if (count.compareTo(BigDecimal.valueOf(MAX_ELEMENTS)) > 0) {
                throw new EvalException(p, "range() would produce more than " + MAX_ELEMENTS + " elements");
            }
            List<Value> out = new ArrayList<>();
            for (BigDecimal x = start; step.signum() > 0 ? x.compareTo(end) < 0 : x.compareTo(end) > 0; x = x.add(step)) {
                if (out.size() >= MAX_ELEMENTS) {
                    throw new EvalException(p, "range() would produce more than " + MAX_ELEMENTS + " elements");
                }
                out.add(new Num(x));
            }
            return new ListValue(out);
        });
        def("setunion", 1, -1, (a, p) -> {
            LinkedHashSet<Value> s = new LinkedHashSet<>();
            for (Value v : a) {
                s.addAll(list(v, p, "setunion"));
            }
            return new ListValue(new ArrayList<>(s));
        });
        def("setintersection", 1, -1, (a, p) -> {
            LinkedHashSet<Value> s = new LinkedHashSet<>(list(a.get(0), p, "setintersection"));
            for (Value v : a.subList(1, a.size())) {
                s.retainAll(list(v, p, "setintersection"));
            }
            return new ListValue(new ArrayList<>(s));
        });
        def("setsubtract", 2, 2, (a, p) -> {
            LinkedHashSet<Value> s = new LinkedHashSet<>(list(a.get(0), p, "setsubtract"));
            list(a.get(1), p, "setsubtract").forEach(s::remove);
            return new ListValue(new ArrayList<>(s));
        });
        def("setproduct", 1, -1, (a, p) -> {
            List<List<Value>> acc = new ArrayList<>();
            acc.add(List.of());
            for (Value v : a) {
                List<List<Value>> next = new ArrayList<>();
                for (List<Value> prefix : acc) {
                    for (Value x : list(v, p, "setproduct")) {
                        List<Value> row = new ArrayList<>(prefix);
                        row.add(x);
                        next.add(row);
                        if (next.size() > MAX_ELEMENTS) {
                            throw new EvalException(p, "setproduct() would produce more than " + MAX_ELEMENTS + " elements");
                        }
                    }
                }
                acc = next;
            }
            return new ListValue(acc.stream().map(r -> (Value) new ListValue(r)).toList());
        });
        def("transpose", 1, 1, (a, p) -> {
            Map<String, List<Value>> out = new TreeMap<>();
            map(a.get(0), p, "transpose").forEach((k, v) -> {
                for (Value x : list(v, p, "transpose")) {
                    out.computeIfAbsent(str(x, p, "transpose"), y -> new ArrayList<>()).add(new Str(k));
                }
            });
            Map<String, Value> m = new LinkedHashMap<>();
            out.forEach((k, v) -> m.put(k, new ListValue(v)));
            return new MapValue(m);
        });
        def("alltrue", 1, 1, (a, p) -> new Bool(list(a.get(0), p, "alltrue").stream().allMatch(v -> Values.asBool(v, p, "alltrue() element"))));
        def("anytrue", 1, 1, (a, p) -> new Bool(list(a.get(0), p, "anytrue").stream().anyMatch(v -> Values.asBool(v, p, "anytrue() element"))));
        def("one", 1, 1, (a, p) -> {
            List<Value> l = list(a.get(0), p, "one");
            if (l.size() > 1) {
                throw new IllegalArgumentException("the list has " + l.size() + " elements; one() needs zero or one");
            }
            return l.isEmpty() ? Value.NULL : l.getFirst();
        });
        def("sum", 1, 1, (a, p) -> {
            List<Value> l = list(a.get(0), p, "sum");
            if (l.isEmpty()) {
                throw new IllegalArgumentException("cannot sum an empty list");
            }
            BigDecimal s = BigDecimal.ZERO;
            for (Value v : l) {
                s = s.add(num(v, p, "sum"));
            }
            return new Num(s);
        });
    }

    private static void flatten(List<Value> in, List<Value> out, int depth, SourcePos pos) {
        for (Value v : in) {
            if (v instanceof ListValue l) {
                flatten(l.items(), out, depth + 1, pos);
            } else {
                out.add(v);
            }
        }
    }

    // ------------------------------------------------------------------ numeric

    private void numeric() {
        def("int", 1, 1, (a, p) -> new Num(num(a.get(0), p, "int").setScale(0, RoundingMode.DOWN)));
        def("abs", 1, 1, (a, p) -> new Num(num(a.get(0), p, "abs").abs()));
        def("ceil", 1, 1, (a, p) -> new Num(num(a.get(0), p, "ceil").setScale(0, RoundingMode.CEILING)));
        def("floor", 1, 1, (a, p) -> new Num(num(a.get(0), p, "floor").setScale(0, RoundingMode.FLOOR)));
        def("signum", 1, 1, (a, p) -> Num.of(num(a.get(0), p, "signum").signum()));
        def("max", 1, -1, (a, p) -> a.stream().map(v -> new Num(num(v, p, "max"))).max((x, y) -> x.value().compareTo(y.value())).orElseThrow());
        def("min", 1, -1, (a, p) -> a.stream().map(v -> new Num(num(v, p, "min"))).min((x, y) -> x.value().compareTo(y.value())).orElseThrow());
        def("pow", 2, 2, (a, p) -> {
            double r = Math.pow(num(a.get(0), p, "pow").doubleValue(), num(a.get(1), p, "pow").doubleValue());
            if (Double.isNaN(r) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("the result is not a finite number");
            }
            return new Num(new BigDecimal(r, MathContext.DECIMAL64));
        });
        def("log", 2, 2, (a, p) -> {
            double r = Math.log(num(a.get(0), p, "log").doubleValue()) / Math.log(num(a.get(1), p, "log").doubleValue());
            if (Double.isNaN(r) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("the result is not a finite number");
            }
            return new Num(new BigDecimal(r, MathContext.DECIMAL64));
        });
        def("parseint", 2, 2, (a, p) -> {
            int base = integer(a.get(1), p, "parseint");
            if (base < 2 || base > 62) {
                throw new IllegalArgumentException("the base must be between 2 and 62");
            }
            String s = str(a.get(0), p, "parseint");
            try {
                return new Num(new BigDecimal(new BigInteger(s, Math.min(base, 36))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cannot parse \"" + s + "\" as a base " + base + " integer");
            }
        });
    }

    // ------------------------------------------------------------------ encoding and hashing

    private void encoding() {
        def("jsonencode", 1, 1, (a, p) -> {
            try {
                return new Str(Json.MAPPER.writeValueAsString(toJson(a.get(0))));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(e.getOriginalMessage());
            }
        });
        def("jsondecode", 1, 1, (a, p) -> {
            try {
                return fromJson(Json.MAPPER.readTree(str(a.get(0), p, "jsondecode")));
            } catch (IOException e) {
                throw new EvalException(p, "jsondecode(): invalid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
        });
        def("base64encode", 1, 1, (a, p) -> new Str(Base64.getEncoder().encodeToString(str(a.get(0), p, "base64encode").getBytes(StandardCharsets.UTF_8))));
        def("base64decode", 1, 1, (a, p) -> {
            byte[] b = Base64.getDecoder().decode(str(a.get(0), p, "base64decode"));
            String s = new String(b, StandardCharsets.UTF_8);
            if (!java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), b)) {
                throw new IllegalArgumentException("the decoded bytes are not valid UTF-8");
            }
            return new Str(s);
        });
        def("urlencode", 1, 1, (a, p) -> new Str(URLEncoder.encode(str(a.get(0), p, "urlencode"), StandardCharsets.UTF_8).replace("+", "%20")));
        def("csvdecode", 1, 1, (a, p) -> csv(str(a.get(0), p, "csvdecode"), p));
        for (String alg : List.of("md5", "sha1", "sha256", "sha512")) {
            String javaName = switch (alg) {
                case "md5" -> "MD5";
                case "sha1" -> "SHA-1";
                case "sha256" -> "SHA-256";
                default -> "SHA-512";
            };
            def(alg, 1, 1, (a, p) -> new Str(HexFormat.of().formatHex(digest(javaName, str(a.get(0), p, alg)))));
            if (!alg.equals("md5")) {
                def("base64" + alg, 1, 1, (a, p) -> new Str(Base64.getEncoder().encodeToString(digest(javaName, str(a.get(0), p, "base64" + alg)))));
            }
        }
        def("uuidv4", 0, 0, (a, p) -> new Str(UUID.randomUUID().toString()));
        def("uuidv5", 2, 2, (a, p) -> {
            String ns = str(a.get(0), p, "uuidv5");
            UUID nsId = switch (ns) {
                case "dns" -> UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
                case "url" -> UUID.fromString("6ba7b811-9dad-11d1-80b4-00c04fd430c8");
                case "oid" -> UUID.fromString("6ba7b812-9dad-11d1-80b4-00c04fd430c8");
                case "x500" -> UUID.fromString("6ba7b814-9dad-11d1-80b4-00c04fd430c8");
                default -> UUID.fromString(ns);
            };
            return new Str(uuidV5(nsId, str(a.get(1), p, "uuidv5")).toString());
        });
    }

    private static byte[] digest(String alg, String s) {
        try {
            return MessageDigest.getInstance(alg).digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static UUID uuidV5(UUID ns, String name) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(16);
        bb.putLong(ns.getMostSignificantBits()).putLong(ns.getLeastSignificantBits());
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] in = new byte[16 + nameBytes.length];
        System.arraycopy(bb.array(), 0, in, 0, 16);
        System.arraycopy(nameBytes, 0, in, 16, nameBytes.length);
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-1").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        h[6] = (byte) ((h[6] & 0x0f) | 0x50);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(h, 0, 16);
        return new UUID(out.getLong(), out.getLong());
    }

    private static Value csv(String text, SourcePos pos) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(cell.toString());
                cell.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                cell.append(c);
            }
        }
        if (quoted) {
            throw new EvalException(pos, "csvdecode(): a quoted field is not closed");
        }
        if (!cell.isEmpty() || !row.isEmpty()) {
            row.add(cell.toString());
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new EvalException(pos, "csvdecode(): missing the header row");
        }
        List<String> header = rows.getFirst();
        List<Value> out = new ArrayList<>();
        for (List<String> r : rows.subList(1, rows.size())) {
            if (r.size() != header.size()) {
                throw new EvalException(pos, "csvdecode(): a row has " + r.size() + " fields but the header has " + header.size());
            }
            Map<String, Value> m = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                m.put(header.get(i), new Str(r.get(i)));
            }
            out.add(new MapValue(m));
        }
        return new ListValue(out);
    }

    /** Value to a Jackson tree. */
    public static JsonNode toJson(Value v) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (v) {
            case Str s -> f.textNode(s.value());
            case Num n -> n.isWhole() && n.value().abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) < 0
                    ? f.numberNode(n.value().longValue()) : f.numberNode(n.value());
            case Bool b -> f.booleanNode(b.value());
            case Null n -> f.nullNode();
            case ListValue l -> {
                ArrayNode arr = f.arrayNode();
                l.items().forEach(x -> arr.add(toJson(x)));
                yield arr;
            }
            case MapValue m -> {
                ObjectNode o = f.objectNode();
                m.entries().forEach((k, x) -> o.set(k, toJson(x)));
                yield o;
            }
        };
    }

    /** A Jackson tree to a Value. */
    public static Value fromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return Value.NULL;
        }
        if (n.isTextual()) {
            return new Str(n.textValue());
        }
        if (n.isNumber()) {
            return new Num(n.decimalValue());
        }
        if (n.isBoolean()) {
            return new Bool(n.booleanValue());
        }
        if (n.isArray()) {
            List<Value> l = new ArrayList<>();
            n.forEach(x -> l.add(fromJson(x)));
            return new ListValue(l);
        }
        Map<String, Value> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            m.put(e.getKey(), fromJson(e.getValue()));
        }
        return new MapValue(m);
    }

    // ------------------------------------------------------------------ files

    private void files() {
        def("file", 1, 1, (a, p) -> {
            Path f = resolve(str(a.get(0), p, "file"), p);
            try {
                byte[] b = Files.readAllBytes(f);
                return new Str(new String(b, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new EvalException(p, "file(): cannot read " + f + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage()));
            }
        });
        def("filebase64", 1, 1, (a, p) -> {
            Path f = resolve(str(a.get(0), p, "filebase64"), p);
            try {
                return new Str(Base64.getEncoder().encodeToString(Files.readAllBytes(f)));
            } catch (IOException e) {
                throw new EvalException(p, "filebase64(): cannot read " + f + ": " + e.getMessage());
            }
        });
        def("fileexists", 1, 1, (a, p) -> new Bool(Files.isRegularFile(resolve(str(a.get(0), p, "fileexists"), p))));
        def("basename", 1, 1, (a, p) -> {
            Path f = Path.of(str(a.get(0), p, "basename"));
            return new Str(f.getFileName() == null ? "/" : f.getFileName().toString());
        });
        def("dirname", 1, 1, (a, p) -> {
            Path parent = Path.of(str(a.get(0), p, "dirname")).getParent();
            return new Str(parent == null ? "." : parent.toString());
        });
        def("pathexpand", 1, 1, (a, p) -> {
            String s = str(a.get(0), p, "pathexpand");
            String home = System.getProperty("user.home");
            return new Str(s.equals("~") ? home : s.startsWith("~/") ? home + s.substring(1) : s);
        });
        def("fileset", 2, 2, (a, p) -> {
            Path dir = resolve(str(a.get(0), p, "fileset"), p);
            String pattern = str(a.get(1), p, "fileset");
            java.nio.file.PathMatcher m;
            try {
                m = dir.getFileSystem().getPathMatcher("glob:" + pattern);
            } catch (IllegalArgumentException e) {
                throw new EvalException(p, "fileset(): invalid pattern \"" + pattern + "\": " + e.getMessage());
            }
            List<Value> out = new ArrayList<>();
            if (Files.isDirectory(dir)) {
                try (java.util.stream.Stream<Path> s = Files.walk(dir, 32)) {
                    s.filter(Files::isRegularFile).map(dir::relativize).filter(m::matches).map(Path::toString).sorted()
                            .limit(MAX_ELEMENTS).forEach(x -> out.add(new Str(x)));
                } catch (IOException | java.io.UncheckedIOException e) {
                    throw new EvalException(p, "fileset(): cannot list " + dir + ": " + e.getMessage());
                }
            }
            return new ListValue(out);
        });
        def("abspath", 1, 1, (a, p) -> new Str(resolve(str(a.get(0), p, "abspath"), p).toString()));
    }

    // ------------------------------------------------------------------ network (cidr*)

    private void network() {
        def("cidrhost", 2, 2, (a, p) -> {
            Cidr c = Cidr.parse(str(a.get(0), p, "cidrhost"), p);
            BigInteger n = BigInteger.valueOf(Values.asLong(a.get(1), p, "cidrhost() host number"));
            BigInteger size = BigInteger.ONE.shiftLeft(c.bits() - c.prefix());
            if (n.signum() < 0) {
                n = n.add(size);
            }
            if (n.signum() < 0 || n.compareTo(size) >= 0) {
                throw new IllegalArgumentException("prefix of " + c.prefix() + " does not accommodate a host numbered " + a.get(1).toJava());
            }
            return new Str(Cidr.format(c.base().add(n), c.bits()));
        });
        def("cidrnetmask", 1, 1, (a, p) -> {
            Cidr c = Cidr.parse(str(a.get(0), p, "cidrnetmask"), p);
            if (c.bits() != 32) {
                throw new IllegalArgumentException("only IPv4 networks have a netmask");
            }
            BigInteger mask = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE.shiftLeft(32 - c.prefix()));
            return new Str(Cidr.format(mask, 32));
        });
        def("cidrsubnet", 3, 3, (a, p) -> {
            Cidr c = Cidr.parse(str(a.get(0), p, "cidrsubnet"), p);
            int newbits = integer(a.get(1), p, "cidrsubnet");
            long num = Values.asLong(a.get(2), p, "cidrsubnet() network number");
            return new Str(c.subnet(newbits, num).toString());
        });
        def("cidrsubnets", 1, -1, (a, p) -> {
            Cidr c = Cidr.parse(str(a.get(0), p, "cidrsubnets"), p);
            List<Value> out = new ArrayList<>();
            BigInteger next = c.base();
            BigInteger end = c.base().add(BigInteger.ONE.shiftLeft(c.bits() - c.prefix()));
            for (Value nb : a.subList(1, a.size())) {
                int newbits = integer(nb, p, "cidrsubnets");
                if (newbits < 1 || c.prefix() + newbits > c.bits()) {
                    throw new IllegalArgumentException("would extend prefix to " + (c.prefix() + newbits) + " bits, which is too long");
                }
                BigInteger size = BigInteger.ONE.shiftLeft(c.bits() - c.prefix() - newbits);
                // Align to the subnet size, as Terraform/Nomad do.
                BigInteger rem = next.subtract(c.base()).mod(size);
                if (rem.signum() != 0) {
                    next = next.add(size.subtract(rem));
                }
                if (next.add(size).compareTo(end) > 0) {
                    throw new IllegalArgumentException("not enough remaining address space for a subnet with a prefix of "
                            + (c.prefix() + newbits) + " bits");
                }
                out.add(new Str(new Cidr(next, c.prefix() + newbits, c.bits()).toString()));
                next = next.add(size);
            }
            return new ListValue(out);
        });
    }

    /** An IPv4 or IPv6 network as a number, prefix length and address width. */
    record Cidr(BigInteger base, int prefix, int bits) {

        static Cidr parse(String s, SourcePos pos) {
            int slash = s.indexOf('/');
            if (slash < 0) {
                throw new EvalException(pos, "invalid CIDR address \"" + s + "\"; write it like 10.0.0.0/16");
            }
            byte[] addr = address(s.substring(0, slash), pos);
            int bits = addr.length * 8;
            int prefix;
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new EvalException(pos, "invalid CIDR prefix in \"" + s + "\"");
            }
            BigInteger n = new BigInteger(1, addr);
            BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE.shiftLeft(bits - prefix));
            return new Cidr(n.and(mask), prefix, bits);
        }

        private static byte[] address(String s, SourcePos pos) {
            // Only literal addresses: no name lookups.
            if (!s.matches("[0-9.]+") && !s.matches("[0-9A-Fa-f:.]+")) {
                throw new EvalException(pos, "invalid IP address \"" + s + "\"");
            }
            if (s.contains(".") && !s.contains(":")) {
                String[] parts = s.split("\\.", -1);
                if (parts.length != 4) {
                    throw new EvalException(pos, "invalid IPv4 address \"" + s + "\"");
                }
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int v;
                    try {
                        v = parts[i].length() > 3 ? -1 : Integer.parseInt(parts[i]);
                    } catch (NumberFormatException e) {
                        v = -1;
                    }
                    if (v < 0 || v > 255) {
                        throw new EvalException(pos, "invalid IPv4 address \"" + s + "\"");
                    }
                    b[i] = (byte) v;
                }
                return b;
            }
            try {
                return java.net.InetAddress.ofLiteral(s).getAddress();
            } catch (IllegalArgumentException e) {
                throw new EvalException(pos, "invalid IP address \"" + s + "\"");
            }
        }

        Cidr subnet(int newbits, long num) {
            if (newbits < 0 || prefix + newbits > bits) {
                throw new IllegalArgumentException("would extend prefix to " + (prefix + newbits) + " bits, which is too long for a "
                        + (bits == 32 ? "IPv4" : "IPv6") + " address");
            }
            if (num < 0 || BigInteger.valueOf(num).compareTo(BigInteger.ONE.shiftLeft(newbits)) >= 0) {
                throw new IllegalArgumentException("prefix extension of " + newbits + " does not accommodate a subnet numbered " + num);
            }
            return new Cidr(base.add(BigInteger.valueOf(num).shiftLeft(bits - prefix - newbits)), prefix + newbits, bits);
        }

        static String format(BigInteger n, int bits) {
            byte[] raw = n.toByteArray();
            byte[] b = new byte[bits / 8];
            int copy = Math.min(raw.length, b.length);
            System.arraycopy(raw, raw.length - copy, b, b.length - copy, copy);
            try {
                String s = java.net.InetAddress.getByAddress(b).getHostAddress();
                return bits == 128 ? compressV6(s) : s;
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Java prints 2001:db8:0:0:0:0:0:1; Go prints 2001:db8::1. */
        private static String compressV6(String s) {
            String[] g = s.split(":");
            int bestStart = -1;
            int bestLen = 0;
            for (int i = 0; i < g.length; ) {
                if (g[i].equals("0")) {
                    int j = i;
                    while (j < g.length && g[j].equals("0")) {
                        j++;
                    }
                    if (j - i > bestLen && j - i > 1) {
                        bestStart = i;
                        bestLen = j - i;
                    }
                    i = j;
                } else {
                    i++;
                }
            }
            if (bestStart < 0) {
                return s;
            }
            String left = String.join(":", java.util.Arrays.copyOfRange(g, 0, bestStart));
            String right = String.join(":", java.util.Arrays.copyOfRange(g, bestStart + bestLen, g.length));
            return left + "::" + right;
        }

        @Override
        public String toString() {
            return format(base, bits) + "/" + prefix;
        }
    }

    private Path resolve(String name, SourcePos pos) {
        if (baseDir == null) {
            throw new EvalException(pos, "file functions are not available here (the job was not read from a file)");
        }
        try {
            return baseDir.resolve(name).toAbsolutePath().normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new EvalException(pos, "invalid path \"" + name + "\": " + e.getReason());
        }
    }
}
