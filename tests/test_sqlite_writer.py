"""The SQLite writer gate: writers queue on a lock file instead of SQLite's sleeping busy handler.

SQLite-only by nature (PostgreSQL has row locks and needs no gate), so these tests build their own
SQLite file engines rather than using the `backend`-parametrised fixtures.
"""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
from sqlalchemy import text

from models.db import make_engine
from models.sqlite_writer import GatedConnection, is_write


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def gate_is_free(tmp_path) -> bool:
    fd = os.open(tmp_path / "gate.db-writer.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    ("statement", "writes"),
    [
        ("SELECT 1", False),
        ("  select x FROM t", False),
        ("(SELECT 1) UNION SELECT 2", False),
        ("PRAGMA foreign_keys", False),
        ("INSERT INTO t VALUES (1)", True),
        ("UPDATE t SET x = 1", True),
        ("DELETE FROM t", True),
        ("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a", True),
        ("SAVEPOINT sa_1", True),
        ("CREATE INDEX i ON t (x)", True),
    ],
)
def test_which_statements_take_the_gate(statement, writes):
    assert is_write(statement) is writes


def test_connections_to_a_file_use_the_gate(engine):
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, GatedConnection)


def test_a_write_holds_the_gate_until_commit(engine, tmp_path):
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM t"))
        assert gate_is_free(tmp_path), "a read must not queue writers"
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert not gate_is_free(tmp_path)
        connection.commit()
        assert gate_is_free(tmp_path)


def test_rollback_and_a_failed_statement_give_the_gate_back(engine, tmp_path):
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        connection.rollback()
        assert gate_is_free(tmp_path)
    with engine.connect() as connection, pytest.raises(Exception, match="no such table"):
        connection.execute(text("INSERT INTO missing VALUES (1)"))
    assert gate_is_free(tmp_path)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_readers_are_not_held_up_by_a_writer(engine):
    with engine.connect() as writer:
        writer.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as reader:  # WAL: the reader sees the last committed state at once
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
        writer.commit()


def test_many_writers_at_once_all_succeed_one_at_a_time(engine):
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(40):
                with engine.begin() as connection:
                    before = connection.execute(text("SELECT count(*) FROM t WHERE x = :w"), {"w": worker})
                    assert before.scalar() == n
                    connection.execute(text("INSERT INTO t VALUES (:w)"), {"w": worker})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 8 * 40


def test_a_second_process_waits_for_the_gate_then_writes(engine, tmp_path):
    """A writer in another process (another gunicorn worker) queues behind ours and goes on after."""
    import subprocess
    import sys

    script = (
        "from sqlalchemy import text\n"
        "from models.db import make_engine\n"
        f"e = make_engine('sqlite:///{tmp_path / 'gate.db'}')\n"
        "with e.begin() as c:\n"
        "    c.execute(text('INSERT INTO t VALUES (2)'))\n"
        "print('written')\n"
    )
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        other = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            other.wait(timeout=2)  # still queued: our transaction is open
        connection.commit()
    out, _ = other.communicate(timeout=60)
    assert out.strip() == "written" and other.returncode == 0
    with engine.connect() as connection:
        assert sorted(connection.execute(text("SELECT x FROM t")).scalars()) == [1, 2]
