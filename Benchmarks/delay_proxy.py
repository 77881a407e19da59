"""A TCP proxy that delays every chunk by a fixed time each way, to measure the server against a
MongoDB that is not on the same machine (`Benchmarks/distant_mongo_bench.py`).

    python Benchmarks/delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS COUNT_FILE

Latency, not bandwidth: chunks keep their order and are not held back by one another (each
direction has a queue of chunks with the time each is due). It also counts the MongoDB messages
the client sends (each starts with its length), and writes the count to COUNT_FILE when asked
(SIGUSR1) and on SIGTERM, so a run can report round trips per request.
"""
import asyncio
import signal
import sys

LISTEN, TARGET, DELAY = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
COUNT_FILE = sys.argv[4]
messages = 0


def write_count(*_):
    with open(COUNT_FILE, "w") as out:
        out.write(str(messages))


async def pump(reader, writer, counting):
    global messages
    queue = asyncio.Queue()
    pending = b""

    async def deliver():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    delivering = asyncio.create_task(deliver())
    try:
        while data := await reader.read(65536):
            if counting:
                pending += data
                while len(pending) >= 4 and len(pending) >= int.from_bytes(pending[:4], "little"):
                    pending = pending[int.from_bytes(pending[:4], "little"):]
                    messages += 1
            queue.put_nowait((asyncio.get_running_loop().time() + DELAY, data))
    except ConnectionError:
        pass
    queue.put_nowait((0, None))
    await delivering


async def handle(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", TARGET)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, server_writer, True), pump(server_reader, client_writer, False), return_exceptions=True)


async def main():
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, write_count)
    stopped = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stopped.set_result, None)
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN)
    print(f"delay proxy on {LISTEN} -> {TARGET}, {DELAY * 1000:.0f} ms each way", flush=True)
    async with server:
        await stopped
    write_count()


asyncio.run(main())
