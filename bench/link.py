"""A rate-limited loopback link for the benchmark: ``python -m bench.link TARGET_PORT RATE_MB_S`` listens on a free
loopback port (printed on the first line of stdout), forwards every connection to ``127.0.0.1:TARGET_PORT`` and
lets the server-to-client direction through at RATE_MB_S (10^6 bytes per second, per connection).

Why: on loopback the sandbox's S3 server and the client share two cores, so the download comparison measures who
spends more CPU. An operator's link is slower than either side's CPU; through this link the same comparison shows
what the user waits for. It runs in its own process so its work is charged to neither contender.
"""

from __future__ import annotations

import asyncio
import sys

CHUNK = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, rate: float | None) -> None:
    loop = asyncio.get_running_loop()
    start, sent = loop.time(), 0
    try:
        while data := await reader.read(CHUNK):
            if rate:
                sent += len(data)
                delay = sent / rate - (loop.time() - start)
                if delay > 0:
                    await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _serve(target_port: int, rate: float) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, server_w, None), _pipe(server_r, client_w, rate))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> int:
    target_port, rate_mb_s = int(argv[0]), float(argv[1])
    try:
        asyncio.run(_serve(target_port, rate_mb_s * 1e6))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
