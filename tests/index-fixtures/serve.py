#!/usr/bin/env python3
"""A package index on 127.0.0.1 for dlenv install's tests, started and stopped by the test.

Serves the fixture tree in this folder (tree.json: projects -> files with their metadata)
as PEP 691 JSON or PEP 503 HTML, by the request's Accept header, with PEP 658 metadata
files, plus hostile paths: /malformed/ (broken JSON), /redirect/... (302 to the real path),
/loop/ (endless redirects), /huge/ (an endless body), /slow/ (answers after 30 s). Each
wheel is served at /files/NAME as a real zip archive (written by zipfile) holding its METADATA
(the file's "metadata", or "wheel_metadata" for a wheel whose index offers no PEP 658 file),
and answers byte ranges (RFC 9110) unless the file says "no_ranges". As an HTTP proxy (a request line with an absolute URL) it
serves the same tree, so a test can see that the client went through the proxy.
Prints the port on its first line of stdout.
"""
import html
import io
import json
import os
import re
import zipfile
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = json.load(open(os.path.join(HERE, "tree.json")))


def wheel_bytes(f):
    """A wheel-shaped zip: package files, then the dist-info, as wheel builders order them; with
    "metadata_first" the METADATA comes before "padding" bytes that do not compress, and
    "members" adds that many small files (a central directory larger than a first tail read)."""
    buf = io.BytesIO()
    name, version = f["filename"].split("-")[:2]
    info = "%s-%s.dist-info/" % (name, version)
    metadata = f.get("metadata") or f.get("wheel_metadata")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        if f.get("metadata_first"):
            z.writestr(info + "METADATA", metadata)
        z.writestr("%s/_filler.bin" % name, os.urandom(f.get("padding", 1000)), zipfile.ZIP_STORED)
        for i in range(f.get("members", 0)):
            z.writestr("%s/ops/kernel_%05d_sm90_fwd_bf16.py" % (name, i), "")
        if not f.get("metadata_first"):
            z.writestr(info + "METADATA", metadata)
        z.writestr(info + "WHEEL", "Wheel-Version: 1.0\n")
    return buf.getvalue()


def find_file(filename):
    for index in TREE["indexes"].values():
        for files in index.values():
            for f in files:
                if f["filename"] == filename:
                    return f
    return None


def project(index, name):
    files = TREE["indexes"].get(index, {}).get(name)
    return files


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body, ctype):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.startswith("http://"):  # a proxy request (absolute form): serve it as ours
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        if path.startswith("/slow/"):
            time.sleep(30)
            return self.send(200, "{}", "application/json")
        if path.startswith("/loop/"):
            self.send_response(302)
            self.send_header("Location", "/loop/")
            self.end_headers()
            return
        if path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", path[len("/redirect"):])
            self.end_headers()
            return
        if path.startswith("/huge/"):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<a href='x'>" + b"x" * 65536 + b"</a>\n"
            try:
                for _ in range(4096):  # 256 MiB unless the client hangs up first
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path.startswith("/malformed/"):
            return self.send(200, '{"meta": {"api-version": "1.1"}, "files": [ {"filename": ', "application/vnd.pypi.simple.v1+json")
        if "/files/" in path and path.endswith(".whl"):
            f = find_file(path.rsplit("/", 1)[1])
            if not f or not (f.get("metadata") or f.get("wheel_metadata")):
                return self.send(404, "not found", "text/plain")
            data = wheel_bytes(f)
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
            if not m or f.get("no_ranges"):
                return self.send(200, data, "application/octet-stream")
            if m.group(1):
                first = int(m.group(1))
                last = min(int(m.group(2)), len(data) - 1) if m.group(2) else len(data) - 1
            else:
                first, last = max(0, len(data) - int(m.group(2))), len(data) - 1
            self.send_response(206)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Range", "bytes %d-%d/%d" % (first, last, len(data)))
            self.send_header("Content-Length", str(last - first + 1))
            self.end_headers()
            self.wfile.write(data[first:last + 1])
            return
        if path.endswith(".metadata"):
            name = path.rsplit("/", 1)[1][: -len(".metadata")]
            for index in TREE["indexes"].values():
                for files in index.values():
                    for f in files:
                        if f["filename"] == name and "metadata" in f:
                            return self.send(200, f["metadata"], "text/plain")
            return self.send(404, "not found", "text/plain")
        # /<index...>/<project>/
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2:
            return self.send(404, "not found", "text/plain")
        index, name = "/".join(parts[:-1]), parts[-1]
        files = project(index, name)
        if files is None:
            return self.send(404, "not found", "text/plain")
        accept = self.headers.get("Accept", "")
        if "application/vnd.pypi.simple.v1+json" in accept and "html-only" not in index:
            doc = {"meta": {"api-version": "1.1"}, "name": name, "files": []}
            for f in files:
                entry = {"filename": f["filename"], "url": "../../files/" + f["filename"], "hashes": {}}
                if "requires_python" in f:
                    entry["requires-python"] = f["requires_python"]
                if "metadata" in f:
                    entry["core-metadata"] = {"sha256": "0"}
                entry["yanked"] = f.get("yanked", False)
                doc["files"].append(entry)
            return self.send(200, json.dumps(doc), "application/vnd.pypi.simple.v1+json")
        rows = []
        for f in files:
            attrs = 'href="../../files/%s#sha256=0"' % html.escape(f["filename"])
            if "requires_python" in f:
                attrs += ' data-requires-python="%s"' % html.escape(f["requires_python"])
            if "metadata" in f:
                attrs += ' data-dist-info-metadata="sha256=0"'
            if f.get("yanked"):
                attrs += ' data-yanked=""'
            rows.append("<a %s>%s</a><br/>" % (attrs, html.escape(f["filename"])))
        body = "<!DOCTYPE html><html><body>\n%s\n</body></html>" % "\n".join(rows)
        return self.send(200, body, "text/html")


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":  # --tls CERT KEY: HTTPS with that certificate
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
