"""A real SMTP server for the tests: aiosmtpd (from PyPI) on 127.0.0.1:PORT,
writing every message it accepts to DIR as 00001.eml, 00002.eml, ... (each
written to a temporary name first, then renamed, so a reader never sees half
a message). Prints "ready" once it accepts connections; runs until killed.

    python3 smtp_sink.py PORT DIR
"""
import itertools
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        path = os.path.join(self.folder, "%05d.eml" % next(self.numbers))
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.pause()


if __name__ == "__main__":
    main()
