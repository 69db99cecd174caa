"""The Socket Mode watchdog's check (bot/slack/socket_mode.py) on real sockets."""

import socket

from bot.slack.socket_mode import peer_closed


def test_peer_closed_sees_a_fin_without_reading_anything():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not peer_closed(ours)
        theirs.sendall(b"hello")
        assert not peer_closed(ours)
        assert ours.recv(5) == b"hello"  # the peek consumed nothing
        theirs.close()
        assert peer_closed(ours)


def test_a_socket_closed_on_our_side_is_left_to_the_client():
    ours, theirs = socket.socketpair()
    theirs.close()
    ours.close()
    assert not peer_closed(ours)
    assert not peer_closed(None)
