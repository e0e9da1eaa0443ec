"""Writers and checker for bench/durability (standard library only).

  python3 durability.py write BASE SECONDS OUT   16 threads POST patients until SECONDS pass or the
                                                 server is gone; every acknowledged (2xx) id goes to OUT
  python3 durability.py check BASE IN            reads back every id in IN; prints acked/missing
"""
import http.cookiejar, json, sys, threading, time, urllib.error, urllib.request

LOGIN = {"email": "practitioner@demo.acumen.test", "password": "demo-password-2026"}


def opener(base):
    o = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    req = urllib.request.Request(base + "/auth/login", json.dumps(LOGIN).encode(), {"Content-Type": "application/json"})
    o.open(req, timeout=10).read()
    return o


def write(base, seconds, out):
    o = opener(base)
    origin = base.rsplit("/api/v1", 1)[0]
    end = time.time() + seconds
    lock = threading.Lock()
    stats = {"acked": 0, "refused": 0, "gone": 0, "statuses": {}}
    f = open(out, "w")

    def run(w):
        i = 0
        while time.time() < end:
            i += 1
            body = {"given_name": f"D{w}x{i}", "family_name": "Durability", "year_of_birth": 1960, "sex": "female"}
            req = urllib.request.Request(base + "/patients", json.dumps(body).encode(),
                                         {"Content-Type": "application/json", "Origin": origin})
            try:
                rid = json.load(o.open(req, timeout=30))["id"]
                with lock:
                    f.write(f"{rid}\n")
                    f.flush()
                    stats["acked"] += 1
            except urllib.error.HTTPError as e:
                with lock:
                    stats["refused"] += 1  # an answer that is not an acknowledgement (503 while the database restarts)
                    stats["statuses"][str(e.code)] = stats["statuses"].get(str(e.code), 0) + 1
                time.sleep(0.05)
            except (urllib.error.URLError, ConnectionError, OSError):
                with lock:
                    stats["gone"] += 1
                return  # the server is gone

    threads = [threading.Thread(target=run, args=(w,)) for w in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    f.close()
    print(json.dumps(stats))


def check(base, path):
    o = opener(base)
    ids = [int(x) for x in open(path).read().split()]
    missing = 0
    for rid in ids:
        try:
            o.open(base + f"/patients/{rid}", timeout=10).read()
        except urllib.error.HTTPError:
            missing += 1
    print(json.dumps({"acked": len(ids), "missing": missing}))
    sys.exit(0)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "write":
        write(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        check(sys.argv[2], sys.argv[3])
