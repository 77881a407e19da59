"""`make dist`, its last step: the launcher, the list of system libraries the binary needs (with
the Debian packages that have them), and a README, in the dist folder.

    python3 scripts/dist_folder.py dist/videotube videotube release

The Swift runtime is linked into a release binary (scripts/release-flags), so a machine without
Swift runs it; what it still loads from the system is listed here, found with `ldd` and
`dpkg -S` on the machine that built it. The launcher checks those libraries before starting and
names the packages to install when one is missing, instead of the loader's bare error.
"""
import pathlib
import subprocess
import sys

folder, product, config = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
binary = folder / "bin" / product
libraries = []
for line in subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout.splitlines():
    parts = line.split()
    if "=>" not in parts or parts[2] == "not":
        continue
    name, path = parts[0], parts[2]
    owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    if owner.returncode != 0:  # a path behind a symlink: ask about the real file
        owner = subprocess.run(["dpkg", "-S", str(pathlib.Path(path).resolve())], capture_output=True, text=True)
    package = owner.stdout.split(":")[0].strip() if owner.returncode == 0 else "?"
    libraries.append((name, package))
swift_runtime = [name for name, _ in libraries if name.startswith("libswift") or name.startswith("libFoundation")]
if swift_runtime and config == "release":
    sys.exit(f"{binary} loads Swift's runtime from the toolchain ({', '.join(swift_runtime)}): build it with scripts/release-flags")

(folder / "LIBRARIES").write_text("".join(f"{name} {package}\n" for name, package in libraries))
packages = sorted({package for _, package in libraries if package != "?"})
(folder / product).write_text(f"""#!/bin/sh
# Starts the VideoTube server from this folder: .env, data/ and public/ are read here. First it
# checks that the system libraries the binary loads are installed (LIBRARIES lists them).
cd "$(dirname "$0")" || exit 1
missing=$(ldd bin/{product} 2>/dev/null | awk '/not found/ {{print $1}}')
if [ -n "$missing" ]; then
    echo "{product} cannot start: missing system libraries: $(echo $missing)"
    echo "install them (Debian, Ubuntu): sudo apt-get install $(for lib in $missing; do grep "^$lib " LIBRARIES | cut -d' ' -f2; done | sort -u | tr '\\n' ' ')"
    exit 1
fi
exec bin/{product} "$@"
""")
(folder / product).chmod(0o755)
# A deployment names its own frontend: no dev-server origin is allowed until CORS_ORIGIN is set.
sample = folder / ".env.sample"
if sample.exists():
    sample.write_text(sample.read_text().replace("\nCORS_ORIGIN=\n", "\nCORS_ORIGIN=none\n", 1))
(folder / "README.md").write_text(f"""# VideoTube server

A self-contained folder: the server (`bin/{product}`, with Swift's runtime linked in), the API
page's files (`public/`), sample settings (`.env.sample`) and a launcher.

    cp .env.sample .env        # set the token secrets at least (openssl rand -hex 32), and
                               # CORS_ORIGIN (your frontend's origin) and PUBLIC_URL (this server's)
    ./{product}                # serves on PORT (8000); data and media go to ./data

It needs no Swift. It does need these system libraries (a Debian 12 or Ubuntu machine has most;
the launcher names any that is missing):

    sudo apt-get install {' '.join(packages)}

`LIBRARIES` lists each library with its package. For MongoDB and Cloudinary, the deployment
recipe (systemd, a reverse proxy) and two instances behind a load balancer, see the workshop's
notes/09-final-server.md.
""")
print(f"{folder}: launcher, README.md, LIBRARIES ({len(libraries)} libraries from {len(packages)} packages)")
