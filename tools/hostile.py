"""Hostile mixed bad requests against a running Switchboard; reports unanswered requests and peak RSS.

    python3 tools/hostile.py PORT TOTAL CONNECTIONS SERVER_PID
    e.g. python3 tools/hostile.py 8080 100000 8 "$(pgrep -f 'switchboard serve')"

Each request goes on a fresh connection, is followed by a half-close (shutdown of the write
side) and must get an HTTP answer. Bodies: random bytes, padded logins, typed envelopes up to
2000 bytes; 2% of 4-8 MiB; 2% an 8 MiB `[0,0,...]` value bomb; 2% a 200 000-contact op 1005.
A third are chunked; content types vary. Peak RSS of SERVER_PID is sampled every 50 ms.
Sends only to 127.0.0.1; stops after TOTAL requests.
"""
import socket, random, sys, threading, time, os
HOST, PORT = '127.0.0.1', int(sys.argv[1]); TOTAL = int(sys.argv[2]); CONNS = int(sys.argv[3]); PID = int(sys.argv[4])
LIMIT = 8 * 1024 * 1024
PATHS = [b'/', b'/phonebooks', b'/api/user/login', b'/api/captcha', b'/ineww/session', b'/ineww/user', b'/ineww/code/phone',
         b'/users/', b'/login/', b'/rooms/', b'/api/v4.0/login', b'/api/v4.0/register', b'/nope', b'/api/user/info']
def body(r):
    k = r.random()
    if k < 0.02: n = r.randint(LIMIT // 2, LIMIT)
    elif k < 0.04: return b'[' + b'0,' * (LIMIT // 2 - 2) + b'0]'
    elif k < 0.06: return b'{"op":1005,"users":[' + b','.join([b'{"name":"a","phones":[],"mails":[]}'] * 200000) + b']}'
    else: n = r.randint(0, 2000)
    kind = r.random()
    if kind < 0.3: return os.urandom(n)
    if kind < 0.6: return (b'{"op":1003,"phone":"' + b'1' * n + b'"}')
    return b'{"type":"login","subtype":"pass","data":{"phone":"' + b'x' * n + b'"}}'
unanswered = [0]; answered = [0]; lock = threading.Lock(); peak = [0]
def rss():
    with open(f'/proc/{PID}/status') as f:
        for l in f:
            if l.startswith('VmRSS'): return int(l.split()[1])
def worker(seed, count):
    r = random.Random(seed)
    for _ in range(count):
        b = body(r); p = r.choice(PATHS)
        ct = r.choice([b'application/json', b'text/plain', b'application/x-www-form-urlencoded'])
        if r.random() < 0.3:
            req = b'POST ' + p + b' HTTP/1.1\r\nHost: x\r\nContent-Type: ' + ct + b'\r\nTransfer-Encoding: chunked\r\n\r\n' + b'%x\r\n' % len(b) + b + b'\r\n0\r\n\r\n' if b else b'POST ' + p + b' HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
        else:
            req = b'POST ' + p + b' HTTP/1.1\r\nHost: x\r\nContent-Type: ' + ct + b'\r\nContent-Length: %d\r\n\r\n' % len(b) + b
        try:
            s = socket.create_connection((HOST, PORT)); s.settimeout(30)
            s.sendall(req); s.shutdown(socket.SHUT_WR)
            got = b''
            while True:
                d = s.recv(65536)
                if not d: break
                got += d
            s.close()
            ok = got.startswith(b'HTTP/1.1 ')
        except Exception as e:
            ok = False
        with lock:
            if ok: answered[0] += 1
            else: unanswered[0] += 1
def sampler():
    while not done[0]:
        v = rss()
        if v and v > peak[0]: peak[0] = v
        time.sleep(0.05)
done = [False]
st = threading.Thread(target=sampler); st.start()
t0 = time.time()
ts = [threading.Thread(target=worker, args=(i, TOTAL // CONNS)) for i in range(CONNS)]
[t.start() for t in ts]; [t.join() for t in ts]
done[0] = True; st.join()
print(f'answered {answered[0]} unanswered {unanswered[0]} peak_rss {peak[0]/1024:.1f} MiB in {time.time()-t0:.1f}s')
