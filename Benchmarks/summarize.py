"""`make bench`, last step: Benchmarks/results/summary.md and ratios.png from the figures the
benchmarks just kept there (http.json, wire.json, embedded.json; reliability.json from `make
reliability` when present). Every ratio is between two figures of one run."""
import json
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FOLDER = pathlib.Path(__file__).resolve().parent / "results"


def load(name):
    path = FOLDER / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def main():
    http, wire, embedded, reliability = load("http"), load("wire"), load("embedded"), load("reliability")
    hardening = load("hardening")
    lines = ["# Benchmark summary", "",
             "Written by `make bench` (and `make reliability`) from the figures of their last run on this machine; "
             "every ratio is between two figures of the same run. Raw numbers: the JSON files beside this one.", ""]
    bars = []  # (label, ratio, goal, higher is better)

    if http:
        rows = http["rows"]
        lines += [f"## HTTP (wrk -t1 -c{http['connections']} -d{http['seconds']}s, loopback; {http['measured']}, {http['machine']})", "",
                  "| server, route | req/s | p50 | p99 |", "|---|---|---|---|"]
        for name, row in rows.items():
            lines.append(f"| {name} | {row['rps']:,.0f} | {row['p50']:.2f} ms | {row['p99']:.2f} ms |")
        lines += ["", "| ratio | measured | goal |", "|---|---|---|"]
        goals = {"healthcheck: Final / Express": 5, "healthcheck: Final / bare Hummingbird": 0.85,
                 "healthcheck: Final (LOG_LEVEL=notice) / bare Hummingbird": 0.85}
        for name, ratio in http["ratios"].items():
            goal = goals.get(name)
            lines.append(f"| {name} | {ratio:.2f}× | {f'≥ {goal}×' if goal else '—'} |")
            if goal:
                bars.append((name.replace("healthcheck: ", ""), ratio, goal))
        lines.append("")

    if wire:
        lines += [f"## Through the wire, beside mongita ({wire['measured']})", "",
                  "| phase | pymongo → videotube-db | mongita, in-process | speed-up | goal |", "|---|---|---|---|---|"]
        for phase, ratio in wire["speed-up"].items():
            lines.append(f"| {phase} | {wire['wire µs'][phase]:,.1f} µs | {wire['mongita µs'][phase]:,.1f} µs | {ratio:.2g}× | ≥ 3× |")
            bars.append((f"wire / mongita: {phase}", ratio, 3))
        lines += ["", f"A ping's round trip: {wire['ping µs, bare socket']:,.0f} µs over a bare socket (goal < 200 µs), "
                  f"{wire['ping µs, pymongo']:,.0f} µs through pymongo.", ""]

    if embedded and embedded.get("search"):
        search = embedded["search"]
        plain = search["plain page p50 µs"] / search["plain page p50 µs at the smallest size"]
        lines += ["## The video list's search (embedded store, page and total)", "",
                  "| figure | this run | goal |", "|---|---|---|",
                  f"| plain page at {search['search videos']:,} videos / at {search['smallest size']:,} | {plain:.2f}× | ≤ 1.5× |",
                  f"| slowest search p50 at {search['search videos']:,} | {search['slowest search p50 µs'] / 1000:.2f} ms | ≤ 3 ms |",
                  f"| worst crafted search / a word search (p50) | {search['worst crafted / plain']:.1f}× | ≤ 5× |",
                  f"| a reader's p99 while four tasks loop the worst | {search['reader p99 under worst flood µs'] / 1000:.1f} ms | < 500 ms |", ""]
    if embedded:
        lines += ["## The embedded store by size, beside raw SQLite through GRDB", "",
                  "| documents | find _id | find email | user's page | latest page | API video list | "
                  "insert one: store / GRDB | find by key: store / GRDB |", "|---|---|---|---|---|---|---|---|"]
        users_page = "user's page µs"
        for row in embedded["sizes"]:
            lines.append(
                f"| {row['documents']:,} | {row['find _id µs']:.1f} µs | {row['find email µs']:.1f} µs | {row[users_page]:.0f} µs | "
                f"{row['latest page µs'] / 1000:.2f} ms | {row['API video list µs'] / 1000:.2f} ms | "
                f"{row['insertOne µs'] / row['GRDB insert µs']:.1f}× | {row['find _id µs'] / row['GRDB select by key µs']:.1f}× |")
        sizes = embedded["sizes"]
        if len(sizes) > 1:
            first, last = sizes[0], sizes[-1]
            lines += ["", f"From {first['documents']:,} to {last['documents']:,} documents (goal: flat where an index serves): "
                      f"find _id {last['find _id µs'] / first['find _id µs']:.1f}×, "
                      f"user's page {last[users_page] / first[users_page]:.1f}×, "
                      f"latest page {last['latest page µs'] / first['latest page µs']:.1f}×, "
                      f"API video list {last['API video list µs'] / first['API video list µs']:.1f}× "
                      "(a page read along the createdAt index, its total counted from the isPublished and owner indexes)."]
        lines.append("")

    if hardening:
        storm, upload = hardening["login storm"], hardening["upload 200 MB"]
        ratio = storm["per second"] / storm["ceiling per second"]
        lines += ["## Authentication and uploads under load", "",
                  f"- A login storm (50 clients, bcrypt cost 10): {storm['per second']:.1f} logins answered per second against the two-core "
                  f"ceiling of {storm['ceiling per second']:.1f} (2 / one login's time): {ratio:.2f}×; the healthcheck's p99 meanwhile "
                  f"{storm['healthcheck p99 ms']:.1f} ms; what does not fit in the hashing queue is 503 at once.",
                  f"- A 200 MB video through `POST /api/v1/videos`: {upload['status']}, {upload['MB/s']:.0f} MB/s; the server's memory "
                  f"{upload['idle MB']:.0f} MB idle, {upload['peak MB']:.0f} MB at its peak."]
        crafted, flood = hardening.get("crafted 200 MB MP4"), hardening.get("search flood")
        if crafted:
            lines.append(f"- A crafted 200 MB MP4 (nothing but 8-byte boxes): {crafted['status']}, answered "
                         f"{crafted['answered after last byte s'] * 1000:.0f} ms after its last byte (the duration reader walks at most 1,024 boxes).")
        if flood:
            statuses = ", ".join(f"{n}× {s}" for s, n in sorted(flood["statuses"].items()))
            lines.append(f"- A search flood (10 clients, the worst searches one account can build over 200 videos): the healthcheck's p99 "
                         f"{flood['p99 ms']:.1f} ms (alone: {flood['quiet p99 ms']:.1f} ms); searches {statuses}, the slowest answered in "
                         f"{flood['slowest search ms']:.0f} ms against a {flood['limit ms']} ms query limit.")
        fair = hardening.get("search fairness")
        if fair:
            lines.append(f"- Search fairness (four clients looping searches crafted against the search index): another user's searches "
                         f"p50 {fair['reader p50 ms']:.1f} ms, p99 {fair['reader p99 ms']:.1f} ms over {fair['reader searches']:,} "
                         f"(goal p99 < 500 ms); the crafted ones {fair['worst searches']:,}, answered {fair['worst statuses']}.")
        lines.append("")
        bars.append(("login storm / two-core ceiling", ratio, 0.9))

    distant = load("distant-mongo")
    if distant:
        lines += [f"## On a distant MongoDB (a proxy adding {distant['delay each way (ms)']} ms each way; wrk -c{distant['connections']}; "
                  f"{distant['measured']})", "",
                  "| route | no delay | 20 ms round trip | ratio | round trips per request | 20 ms, maxPoolSize=8 |", "|---|---|---|---|---|---|"]
        for name, ratio in distant["ratios"].items():
            near, far, eight = distant["near"][name], distant["far"][name], distant.get("far, maxPoolSize=8", {}).get(name, {})
            lines.append(f"| {name} | {near['rps']:,.0f} req/s | {far['rps']:,.0f} req/s | {ratio:.2f}× | {far['round trips per request']} | "
                         f"{eight.get('rps', 0):,.0f} req/s |")
            bars.append((f"distant MongoDB: {name} 20 ms / near", ratio, 0.7))
        lines += ["", "A request that waits one round trip can be sent at most 64 / 20 ms = 3,200 times a second by 64 clients, "
                  "whatever the server: that ceiling, not the server, bounds current-user's ratio.", ""]

    if reliability:
        lines += ["## Reliability (`make reliability`)", "", "| part | figures |", "|---|---|"]
        for part, figures in reliability["parts"].items():
            lines.append(f"| {part} | {', '.join(f'{k}: {v}' for k, v in figures.items())} |")
        failed = reliability["failed checks"]
        lines += ["", f"Checks failed: {len(failed)}." + ("" if not failed else " " + "; ".join(failed)), ""]

    if bars:
        figure, axis = plt.subplots(figsize=(9, 0.5 * len(bars) + 1.2))
        labels = [b[0] for b in bars]
        ratios = [b[1] for b in bars]
        colours = ["#2a9d8f" if r >= g else "#e76f51" for _, r, g in bars]
        axis.barh(labels, ratios, color=colours)
        for y, (_, _, goal) in enumerate(bars):
            axis.plot([goal, goal], [y - 0.4, y + 0.4], color="black", linewidth=2)
        axis.set_xscale("log")
        axis.set_xlabel("ratio, same run (log scale); black mark: the goal; green: goal met")
        axis.invert_yaxis()
        axis.set_title("VideoTube Swift: measured ratios")
        figure.tight_layout()
        figure.savefig(FOLDER / "ratios.png", dpi=110)
        lines += ["![ratios](ratios.png)", ""]

    (FOLDER / "summary.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
