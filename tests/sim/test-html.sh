#!/bin/bash
# tests/sim/test-html.sh - pvmm html's page in a real headless browser (TAP).
#
#   PVMM=build/pvmm tests/sim/test-html.sh
#
# The page of examples/ldt-writable.pvmm must be self-contained (no external resource), carry
# one step per operation with the tree as inline SVG, and, in Debian's Chromium (headless):
# step when its buttons are clicked and its keys pressed (a copy of the page with a small
# driver script appended, read back with --dump-dom), open the step named by #step-N, and
# render (a screenshot of a refused step: not blank, the refusal's red box and the tree's
# loaded L4 in light blue are on it).  Without chromium (or Graphviz) the browser checks
# say SKIP and why.
. "$(dirname "$0")/cli-lib.sh"
scn=$root/examples/ldt-writable.pvmm

browser=
for b in chromium chromium-browser; do
    command -v "$b" >/dev/null && { browser=$b; break; }
done
# One headless run: CHROME ARGS... (a container has no sandbox, no GPU, no D-Bus).
chrome() {
    timeout -k 5 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-extensions --disable-dev-shm-usage --hide-scrollbars "$@" 2>>"$tmp/chrome.err"
}

if ! command -v dot >/dev/null; then
    skip "pvmm html writes the page" "Graphviz (dot) is not installed"
    echo "1..$n"
    exit 0
fi

page() {
    "$pvmm" html "$scn" -o "$tmp/page.html" || return 1
    grep -c "<svg" "$tmp/page.html" | grep -qv '^0$' || { echo "no inline SVG"; return 1; }
    ! grep -Eio '(src|href)="[^"#]' "$tmp/page.html" || { echo "an external resource"; return 1; }
    python3 - "$tmp/page.html" "$scn" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
steps = json.loads(re.search(r'<script id="steps" type="application/json">(.*?)</script>',
                             html, re.S).group(1))
ops = [l for l in open(sys.argv[2]) if re.match(r'\s*(domain|vm_assist|mmuext_op|ldt_load|set_gdt|'
                                               r'update_va_mapping|mmu_update|read|write)\b', l)]
assert len(steps) == len(ops), (len(steps), len(ops))
r = [s for s in steps if s["refused"]]
assert r and r[0]["line"] == 23 and "Rule broken: type-conflict" in r[0]["explanation"], r[:1]
assert all(s["svg"] >= 0 for s in steps), steps
PY
}
check "pvmm html writes a self-contained page: one step per operation, SVG trees" page
page_stdout() { "$pvmm" html -o - "$scn" | cmp - "$tmp/page.html"; }
check "pvmm html -o - writes the same page on stdout" page_stdout
no_dot() { ! PVMM_DOT=/nonexistent/dot "$pvmm" html "$scn" -o "$tmp/x.html" 2>"$tmp/err" &&
               grep "is Graphviz installed" "$tmp/err"; }
check "without Graphviz, pvmm html says so and fails" no_dot

if [ -z "$browser" ]; then
    for t in "#step-N opens a step; buttons and keys step" \
             "a screenshot of a refused step renders"; do
        skip "$t" "chromium is not installed (apt-get install chromium; .ci/run does)"
    done
    echo "1..$n"
    exit $status
fi

# The refused step: its number, to open it by its address.
k=$(python3 -c '
import json, re, sys
h = open(sys.argv[1]).read()
s = json.loads(re.search(r"<script id=\"steps\" type=\"application/json\">(.*?)</script>",
                         h, re.S).group(1))
print(next(i + 1 for i, x in enumerate(s) if x["refused"]))' "$tmp/page.html")

# The driver, in a copy of the page opened at #step-K: record the step shown first (and
# whether the explanation is), then Home, Next twice, the right arrow, End.
drive() {
    sed 's|</body>|<script>\
const seen = [document.body.dataset.step + ":" +\
              document.getElementById("explanation").style.display + ":" +\
              document.getElementById("where").textContent];\
document.dispatchEvent(new KeyboardEvent("keydown", {key: "Home"}));\
seen.push(document.body.dataset.step);\
document.getElementById("next").click(); document.getElementById("next").click();\
seen.push(document.body.dataset.step);\
document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight"}));\
seen.push(document.body.dataset.step + ":" + document.getElementById("where").textContent);\
document.dispatchEvent(new KeyboardEvent("keydown", {key: "End"}));\
seen.push(document.body.dataset.step);\
const out = document.createElement("pre"); out.id = "driver"; out.textContent = seen.join("\|");\
document.body.appendChild(out);\
</script></body>|' "$tmp/page.html" >"$tmp/driven.html"
    chrome --dump-dom "file://$tmp/driven.html#step-$k" >"$tmp/dom" || return 1
    nsteps=$(grep -c '^<li' "$tmp/page.html")
    want="$k:block:line 23: ldt_load d1.v0 sel=0x7|1|3|4:line 23: ldt_load d1.v0 sel=0x7|$nsteps"
    got=$(sed -n 's|.*<pre id="driver">\(.*\)</pre>.*|\1|p' "$tmp/dom")
    echo "driver saw: $got"
    echo "wanted:     $want"
    [ "$got" = "$want" ]
}
check "#step-$k opens the refused step, explanation shown; buttons and keys step (Chromium)" \
    drive

# The screenshot: decode the PNG (zlib and the five PNG filters) and count colours.
screenshot() {
    chrome --window-size=1200,900 --screenshot="$tmp/shot.png" "file://$tmp/page.html#step-$k" \
        >/dev/null || return 1
    python3 - "$tmp/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    ln, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + ln]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + ln
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride, prev, px = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    px += [tuple(line[i:i + 3]) for i in range(0, stride, bpp)]
    prev = line
white = sum(1 for p in px if p == (255, 255, 255))
red = sum(1 for p in px if p[0] >= 190 and p[1] <= 40 and p[2] <= 40)
blue = sum(1 for p in px if p == (173, 216, 230))
print(f"{w}x{h}: {len(set(px))} colours, {white} white, {red} red, {blue} light blue")
assert len(set(px)) > 50 and white < 0.97 * len(px), "the page looks blank"
assert red > 300, "the refusal's red box is not on the screenshot"
assert blue > 1000, "the tree (a loaded L4, light blue) is not on the screenshot"
PY
}
check "a screenshot of the refused step renders the page, its red box and the tree" screenshot
echo "1..$n"
exit $status
