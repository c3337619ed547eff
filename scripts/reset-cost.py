"""Times the history reset of the reference server on SQLite: the statements of
server/src/feed.rs::reset_history, read from that file, run in one transaction on a synthetic
server database (server/migrations/sqlite/) with USERS users in direct rooms of two, each with
20 practice sessions and 20 ledger entries, 50 messages per room, and the bundled catalog's 95
items. It uses Python's own SQLite, not the one the server links, so its planner and speed may
differ. A measurement aid for docs/scaling.md, not a test.

Usage: python3 scripts/reset-cost.py USERS  (the database goes to $TMPDIR, default /tmp)"""
import sqlite3, os, sys, time, uuid, re
USERS, OWN, MSGS = int(sys.argv[1]), 20, 50  # OWN sessions and ledger entries per user, MSGS per room
path = os.path.join(os.environ.get('TMPDIR', '/tmp'), 'reset-cost.db')
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
for ext in ('', '-wal', '-shm'):
    try: os.remove(path + ext)
    except FileNotFoundError: pass
c = sqlite3.connect(path, isolation_level=None)
c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA synchronous=NORMAL')
for f in ('V1__init', 'V2__privacy'):
    c.executescript(open(os.path.join(root, f'server/migrations/sqlite/{f}.sql')).read())
seq = 0
def change(entity, eid):
    global seq
    seq += 1
    return (seq, entity, eid, 'insert', '{"x":1}', None)
changes, records, users, parts, ledger = [], [], [], [], []
for kind, n in (('situation', 27), ('variation', 54), ('achievement', 14)):
    for i in range(n):
        rid = f'{kind}-{i}'; ch = change(kind, rid); changes.append(ch)
        records.append((kind, rid, None, None, '{}', ch[0]))
ids = [str(uuid.uuid4()) for _ in range(USERS)]
for i, u in enumerate(ids):
    p = change('profile', u); q = change('public_profile', u); changes += [p, q]
    users.append((u, f'user{i}', 'h', '{}', p[0], q[0], f'2026-11-30T00:00:{i%60:02d}Z'))
    for k in range(OWN):
        rid = str(uuid.uuid4()); ch = change('practice_session', rid); changes.append(ch)
        records.append(('practice_session', rid, u, None, '{}', ch[0]))
        tid = str(uuid.uuid4()); ch = change('point_transaction', tid); changes.append(ch)
        ledger.append((tid, u, 10, 'r', f'p{k}', '{}', ch[0]))
for i in range(0, USERS - 1, 2):
    room = str(uuid.uuid4()); ch = change('chat_room', room); changes.append(ch)
    records.append(('chat_room', room, ids[i], room, '{}', ch[0]))
    for u in (ids[i], ids[i + 1]):
        parts.append((room, u, 'MEMBER', 'x'))
    for m in range(MSGS):
        rid = str(uuid.uuid4()); ch = change('chat_message', rid); changes.append(ch)
        records.append(('chat_message', rid, ids[i + m % 2], room, '{}', ch[0]))
c.execute('BEGIN')
c.executemany('INSERT INTO changes (server_seq, entity, entity_id, operation, payload, origin_change_id) VALUES (?,?,?,?,?,?)', changes)
c.executemany('INSERT INTO records (kind, record_id, owner_id, room_id, doc, last_seq) VALUES (?,?,?,?,?,?)', records)
c.executemany('INSERT INTO users (user_id, username, password_hash, profile, profile_seq, public_seq, created_at) VALUES (?,?,?,?,?,?,?)', users)
c.executemany('INSERT INTO participants (room_id, user_id, role, joined_at) VALUES (?,?,?,?)', parts)
c.executemany('INSERT INTO ledger (transaction_id, user_id, points, rule, period_key, doc, last_seq) VALUES (?,?,?,?,?,?,?)', ledger)
c.execute('COMMIT')
src = open(os.path.join(root, 'server/src/feed.rs')).read()
body = src[src.index('pub fn reset_history'):src.index('pub fn init_epoch')]
stmts = re.findall(r'conn\s*\.(?:execute|query)\(\s*"(.*?)",', body, re.S)
delete_feed, list_users, per_user, delete_changes = stmts[0], stmts[1], stmts[2], stmts[3]
conv = lambda q: q.replace('$1', '?1')
t0 = time.perf_counter()
c.execute('BEGIN IMMEDIATE')
c.execute(delete_feed)
us = [r[0] for r in c.execute(list_users)]
t1 = time.perf_counter()
for u in us:
    c.execute(conv(per_user), (u,))
t2 = time.perf_counter()
c.execute(delete_changes)
c.execute('COMMIT')
t3 = time.perf_counter()
rows = c.execute('SELECT count(*) FROM user_feed').fetchone()[0]
print(f'users {USERS}: feed rows {rows}, changes {len(changes)}; rebuild {t2-t1:.2f} s '
      f'({rows/(t2-t1):,.0f} rows/s), delete superseded {t3-t2:.2f} s, total {t3-t0:.2f} s')
c.close()
for ext in ('', '-wal', '-shm'):
    try: os.remove(path + ext)
    except FileNotFoundError: pass
