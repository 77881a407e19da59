"""Copies Swagger UI's files out of the swagger-ui-bundle-v2 wheel into a folder the server serves.

    python scripts/extract_swagger_ui.py WHEEL DESTINATION

Only what the page loads is copied (the bundle, its CSS, the favicons), without source maps.
"""
import pathlib
import sys
import zipfile

WANTED = {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-16x16.png", "favicon-32x32.png", "LICENSE"}


def main(wheel: str, destination: str) -> None:
    out = pathlib.Path(destination)
    out.mkdir(parents=True, exist_ok=True)
    copied = []
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            base = name.rsplit("/", 1)[-1]
            if ("/vendor/swagger-ui-" in name and base in WANTED) or name.endswith("/licenses/LICENSE"):
                (out / base).write_bytes(archive.read(name))
                copied.append(base)
    missing = {"swagger-ui-bundle.js", "swagger-ui.css"} - set(copied)
    if missing:
        sys.exit(f"{wheel} has no {', '.join(sorted(missing))}: is it swagger-ui-bundle-v2?")
    print(f"Swagger UI -> {out}/ ({', '.join(sorted(copied))})")


if __name__ == "__main__":
    main(*sys.argv[1:3])
