"""Interop script for Telethon 1.x (Debian's python3-telethon, 1.25, layer 144).

Drives the unmodified client against `tgpfs dc`, given only the DCs' addresses
and the RSA public key, and prints one JSON line per step:

    /usr/bin/python3 client.py --dcs 1=h:p,2=h:p,3=h:p --pubkey dc.pub --transport full --scenario flow

Transports: Telethon's ConnectionTcpFull (its default), ConnectionTcpIntermediate,
ConnectionTcpAbridged and ConnectionTcpObfuscated. Telethon 1.x has no PFS.
"""

import argparse
import asyncio
import json
import logging
import os
import sys

from telethon import TelegramClient, errors, functions, types
from telethon.crypto import rsa
from telethon.network import connection
from telethon.sessions import MemorySession

# Test phones by the test-DC convention: 99966XYYYY lives on DC X, code X*5.
HOME_DC = 2
HOME_PHONE = '9996621234'
MOVED_PHONE = '9996631234'  # lives on DC 3, asked of DC 2
EXPORT_DC = 1
STEP_TIMEOUT = 30  # seconds: generous for a handshake and a few calls
API_ID, API_HASH = 17349, '344583e45741c457fe1862106095a5eb'

FLOW_STEPS = ['handshake', 'help.getConfig', 'login', 'authorized', 'export-import', 'logout', 'phone-migrate']

CONNECTIONS = {
    'full': connection.ConnectionTcpFull,
    'intermediate': connection.ConnectionTcpIntermediate,
    'abridged': connection.ConnectionTcpAbridged,
    'obfuscated': connection.ConnectionTcpObfuscated,
}


class Reporter:
    """Prints each step once, as the Go harness reads it."""

    def __init__(self, transport):
        self.transport = transport
        self.done = set()
        self.passed = set()

    def emit(self, step, ok, detail):
        if step in self.done:
            return
        self.done.add(step)
        if ok:
            self.passed.add(step)
        print(json.dumps({'client': 'telethon', 'transport': self.transport,
                          'step': step, 'ok': ok, 'detail': str(detail)}), flush=True)

    def ok(self, step, detail):
        self.emit(step, True, detail)

    def fail(self, step, err):
        self.emit(step, False, describe(err))

    def not_run(self, steps, why):
        for s in steps:
            self.emit(s, False, 'not run: ' + why)


def describe(err):
    """What went wrong, in one bounded line (Telethon's TypeNotFoundError
    carries the whole unread buffer)."""
    if isinstance(err, BaseException):
        err = '{}: {}'.format(type(err).__name__, err)
    return str(err).replace('\n', ' ')[:400]


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--dcs', required=True)
    p.add_argument('--pubkey', required=True)
    p.add_argument('--transport', choices=sorted(CONNECTIONS), default='full')
    p.add_argument('--scenario', choices=['flow'], default='flow')
    a = p.parse_args()
    dcs = {}
    for part in a.dcs.split(','):
        dc, _, addr = part.partition('=')
        host, _, port = addr.rpartition(':')
        if not dc.isdigit() or not host or not port.isdigit():
            p.error('--dcs {}: want 1=host:port,...'.format(part))
        dcs[int(dc)] = (host, int(port))
    with open(a.pubkey) as f:
        a.pem = f.read()
    a.dcs = dcs
    return a


def new_client(a):
    # The session names the home DC's address (set_dc); Telethon finds the
    # other DCs in help.getConfig, as against Telegram.
    session = MemorySession()
    host, port = a.dcs[HOME_DC]
    session.set_dc(HOME_DC, host, port)
    return TelegramClient(session, API_ID, API_HASH, connection=CONNECTIONS[a.transport],
                          connection_retries=1, retry_delay=0, timeout=10,
                          request_retries=2, receive_updates=False)


def has_key(client):
    key = client._sender.auth_key
    return key is not None and key.key is not None


async def connect(client):
    """Connects, retried: Telethon 1.x drops a leading zero byte of the auth
    key (about one handshake in 256 then fails on its side, not the DC's).
    Returns the attempts it took and the connect error, if the key was made
    but connect() (which also calls help.getConfig) still failed."""
    last = None
    for attempt in range(1, 4):
        try:
            await asyncio.wait_for(client.connect(), STEP_TIMEOUT)
            return attempt, None
        except Exception as e:  # noqa: BLE001 - every failure is reported
            last = e
            if has_key(client):
                return attempt, e
            await client.disconnect()
    raise last


async def login(client, phone):
    """Telethon's own flow: send_code_request, sign_in, and sign_up when the
    DC answers auth.authorizationSignUpRequired (PhoneNumberUnoccupiedError).
    A PHONE_MIGRATE is followed by Telethon's invoke (_switch_dc)."""
    code = phone[5] * 5
    await client.send_code_request(phone)
    try:
        return await client.sign_in(phone, code), 'signed in'
    except errors.PhoneNumberUnoccupiedError:
        return await client.sign_up(code, 'Interop', 'Telethon', phone=phone), 'signed up'


async def flow(a, r):
    client = new_client(a)
    try:
        await first_login(client, r)
    except Exception as e:  # noqa: BLE001
        r.fail('help.getConfig', e)
    finally:
        await client.disconnect()

    # log_out() leaves the client unusable: a new one asks DC 2 for a
    # phone of DC 3 (PHONE_MIGRATE_3).
    if {'handshake', 'help.getConfig'} <= r.passed:
        await phone_migrate(a, r)
    r.not_run(FLOW_STEPS, 'an earlier step failed')


async def first_login(client, r):
    """handshake, help.getConfig, login, export-import and logout."""
    try:
        attempts, err = await connect(client)
        r.ok('handshake', 'auth key made on dc {}'.format(HOME_DC) +
             (' on attempt {}'.format(attempts) if attempts > 1 else ''))
    except Exception as e:  # noqa: BLE001
        r.fail('handshake', e)
        return
    if err is not None:
        r.fail('help.getConfig', 'connect() (initConnection + help.getConfig): ' + describe(err))
        return
    cfg = await asyncio.wait_for(client(functions.help.GetConfigRequest()), STEP_TIMEOUT)
    if cfg.this_dc != HOME_DC:
        r.fail('help.getConfig', 'this_dc {}'.format(cfg.this_dc))
        return
    r.ok('help.getConfig', 'this_dc {}, {} dc options'.format(cfg.this_dc, len(cfg.dc_options)))

    try:
        me, how = await asyncio.wait_for(login(client, HOME_PHONE), STEP_TIMEOUT)
        r.ok('login', '{} user {} phone {}'.format(how, me.id, me.phone))
    except Exception as e:  # noqa: BLE001
        r.fail('login', e)
        return

    # Telethon's own "am I logged in?" on a connect: get_me()
    # (users.getUsers(self)); is_user_authorized() is cached by now.
    try:
        again = await asyncio.wait_for(client.get_me(), STEP_TIMEOUT)
        if again is None or again.id != me.id:
            raise RuntimeError('get_me() after login: {}'.format(again))
        r.ok('authorized', 'get_me (users.getUsers(self))')
    except Exception as e:  # noqa: BLE001
        r.fail('authorized', e)

    # Telethon's own way to another DC: a borrowed exported sender,
    # which exports and imports the login (as downloads do).
    try:
        sender = await asyncio.wait_for(client._borrow_exported_sender(EXPORT_DC), STEP_TIMEOUT)
        try:
            users = await asyncio.wait_for(
                client._call(sender, functions.users.GetUsersRequest([types.InputUserSelf()])), STEP_TIMEOUT)
        finally:
            await client._return_exported_sender(sender)
        if len(users) != 1 or users[0].id != me.id:
            raise RuntimeError('users.getUsers(self) on dc {}: {}'.format(EXPORT_DC, users))
        r.ok('export-import', 'users.getUsers(self) on dc {} through a borrowed exported sender'.format(EXPORT_DC))
    except Exception as e:  # noqa: BLE001
        r.fail('export-import', e)

    try:
        if not await asyncio.wait_for(client.log_out(), STEP_TIMEOUT):
            raise RuntimeError('log_out() returned False (auth.logOut got an RPC error)')
        r.ok('logout', 'auth.logOut')
    except Exception as e:  # noqa: BLE001
        r.fail('logout', e)


async def phone_migrate(a, r):
    client = new_client(a)
    try:
        _, err = await connect(client)
        if err is not None:
            raise err
        me, how = await asyncio.wait_for(login(client, MOVED_PHONE), STEP_TIMEOUT)
        if me.phone != MOVED_PHONE:
            raise RuntimeError('self phone {}'.format(me.phone))
        r.ok('phone-migrate', '{} user {} phone {} after PHONE_MIGRATE_3, now on dc {}'.format(
            how, me.id, me.phone, client.session.dc_id))
    except Exception as e:  # noqa: BLE001
        r.fail('phone-migrate', e)
    finally:
        await client.disconnect()


def main():
    level = logging.DEBUG if os.environ.get('TGPFS_INTEROP_DEBUG') else logging.INFO
    logging.basicConfig(stream=sys.stderr, level=level,
                        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    a = parse_args()
    rsa.add_key(a.pem, old=False)
    asyncio.run(flow(a, Reporter(a.transport)))


if __name__ == '__main__':
    main()
