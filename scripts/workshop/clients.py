"""HTTP clients for the Python helpers (`make bench`, `make reliability`): one request, a
keep-alive client, a multipart form, and a process's resident memory; standard library only."""
import http.client
import json
import struct
import zlib


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A real 1x1 PNG: the server reads its IHDR chunk (and checks its CRC), not only its signature.
PNG = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
       + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 5)) + _png_chunk(b"IEND", b""))
BOUNDARY = "----videotube-bench"


def mp4(milliseconds, padding=0):
    """An MP4 whose header carries a duration, padded with a free box to `padding` bytes."""
    be32 = lambda v: v.to_bytes(4, "big")  # noqa: E731
    ftyp = be32(20) + b"ftypisom" + be32(0x200) + b"mp41"
    body = bytes(4) + be32(0) + be32(0) + be32(1000) + be32(milliseconds) + bytes(80)
    mvhd = be32(8 + len(body)) + b"mvhd" + body
    head = ftyp + be32(8 + len(mvhd)) + b"moov" + mvhd
    return head + be32(8 + padding) + b"free" + bytes(padding)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def request(port, method, path, body=b"", headers=None, timeout=30):
    """One request on a new connection: `(status, body)`, status 0 when refused or cut off."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return 0, b""  # refused or cut off: also what a bound may do
    finally:
        connection.close()


def call(port, method, path, body=b"", headers=None, timeout=30):
    return request(port, method, path, body, headers, timeout)[0]


class Client:
    """One keep-alive connection, as a browser or a load tool holds one; reconnects when cut."""

    def __init__(self, port):
        self.port = port
        self.connection = None

    def request(self, method, path, body=b"", headers=None, retry=True):
        """`(status, body)`; status 0 when the server cut the connection (tried twice with `retry`)."""
        for _ in range(2 if retry else 1):
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = None
        return 0, b""

    def call(self, method, path, body=b"", headers=None):
        return self.request(method, path, body, headers)[0]


def form(fields, files):
    out = b""
    for name, value in fields:
        out += f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
    for name, filename, data in files:
        out += f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


FORM_HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


JSON = {"Content-Type": "application/json"}
PASSWORD = "chai aur code"


def register(port, username, email=None, client=None):
    """Registers `username` (with an avatar, as the Final server requires): the status."""
    fields = [("fullName", username.title()), ("email", email or f"{username}@example.com"), ("username", username),
              ("password", PASSWORD)]
    body = form(fields, [("avatar", "a.png", PNG)])
    return (client.request if client else lambda *a: request(port, *a))("POST", "/api/v1/users/register", body, FORM_HEADERS)[0]


def log_in(port, username):
    """Logs `username` in: headers carrying its access token (and JSON), and the user's id."""
    status, body = request(port, "POST", "/api/v1/users/login", json.dumps({"username": username, "password": PASSWORD}).encode(), JSON)
    assert status == 200, f"login {username}: {status} {body[:200]}"
    data = json.loads(body)["data"]
    return {"Authorization": f"Bearer {data['accessToken']}", **JSON}, data["user"]["_id"]
