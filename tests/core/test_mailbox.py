"""The one-slot latest-wins mailbox between the capture and inference threads."""

from __future__ import annotations

import threading

from featherface_app.core.mailbox import LatestMailbox


def test_latest_item_wins_and_overwrites_count_as_drops() -> None:
    box: LatestMailbox[int] = LatestMailbox()
    for i in range(5):
        box.put(i)
    assert box.take(0) == 4
    assert box.dropped == 4
    assert box.take(0.01) is None  # nothing new: a taken item is not handed out twice


def test_close_wakes_a_blocked_taker_and_refuses_puts() -> None:
    box: LatestMailbox[int] = LatestMailbox()
    got: list[object] = []
    taker = threading.Thread(target=lambda: got.append(box.take(None)))
    taker.start()
    box.close()
    taker.join(5)
    assert not taker.is_alive() and got == [None]
    assert box.put(1) is False and box.closed


def test_every_put_is_either_taken_or_dropped_under_contention() -> None:
    box: LatestMailbox[int] = LatestMailbox()
    taken: list[int] = []
    done = threading.Event()

    def consume() -> None:
        while True:
            item = box.take(0.001)
            if item is not None:
                taken.append(item)
            elif done.is_set():
                return

    consumer = threading.Thread(target=consume)
    consumer.start()
    for i in range(20_000):
        box.put(i)
    done.set()
    consumer.join(10)
    total = len(taken) + box.dropped
    print(f"20000 puts: {len(taken)} taken, {box.dropped} dropped")
    assert total == 20_000 == box.put_count
    assert taken == sorted(taken)  # the consumer never sees an older item after a newer one
