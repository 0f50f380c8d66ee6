"""One Lite Terminal WebSocket: the server side of the message protocol (docs/protocol.md §6, §7, §9, §10,
docs/protocol.md §11).

The reader loop handles client frames; each ``prompt`` runs in its own task that drives the sans-IO
interpreter, so ``interrupt`` (cancel that task) and ``read`` replies are served while a command runs.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

from aiohttp import WSMsgType, web

from .config import ExecutedCommand, SimulatorConfig
from .objectscript import TICK, Halt, Hang, ObjectScriptError, Output, ReadRequest, Session
from .objectscript.render import color_text, interrupt_report, prompt_text

#: Seconds between a busy loop's yields to the event loop (to notice an interrupt). Yielding on every TICK
#: (every 1000 iterations, a few ms) made this thread release and retake the GIL (the loop's select(0))
#: more often than the 5 ms switch interval; a thread waiting for the GIL (a test sending the interrupt)
#: then never got it, since CPython asks the holder to drop it only after a wait in which no switch
#: happened, and stalled for tens of seconds. Between these yields the GIL changes hands the normal way.
_BREATHE_EVERY = 0.02
# the Lite Terminal client's attribution mark, the first line of every command it sends (see
# docs/protocol.md §15.3): it runs like any line; the execution log and the fault switches see the
# command after it
_CLIENT_MARK = re.compile(r'write "LT-[0-9a-f]+-",\$increment\(\^\|\|LiteTerminal\),!\r\n')


def client_command(source: str) -> str:
    """``source`` without the client's attribution mark line (what the user asked to run)."""
    mark = _CLIENT_MARK.match(source)
    return source[mark.end():] if mark else source

if TYPE_CHECKING:
    from .server import ServerState

#: Close code after any ``error`` frame. docs/protocol.md §6.1: the server "probably closes the socket" [I];
#: 1011 is the WebSocket code for a server-side failure, the code IRIS used for stale cookies
#: (docs/protocol.md §4.4).
ERROR_CLOSE_CODE = 1011


class TerminalConnection:
    """State of one terminal socket. Phases: config → prompt ⇄ eval ⇄ read (docs/protocol.md §7)."""

    def __init__(self, state: ServerState, ws: web.WebSocketResponse, request: web.Request, job: int) -> None:
        self.state = state
        self.ws = ws
        self.transport = request.transport
        self.job = job
        self.session: Optional[Session] = None
        self.phase = "config"
        self.closed = False
        self._loop = asyncio.get_running_loop()
        self._last_traffic = self._loop.time()
        self._send_lock = asyncio.Lock()
        self._command: Optional[asyncio.Task] = None
        self._command_began: Optional[float] = None  # start of the running command's span, until recorded
        self._read_future: Optional[asyncio.Future] = None
        self._interrupt_requested = False
        self._started = False
        self._ignore_interrupts = False
        self._rng: Optional[random.Random] = None
        self._rng_seed: Optional[int] = None
        self._link = _Link(self)  # latency_up / latency_down

    # ------------------------------------------------------------------------------------------ lifecycle ---
    async def serve(self) -> None:
        """Send ``init`` at once (docs/protocol.md §6.1), then handle frames until the socket closes."""
        watchdog = asyncio.ensure_future(self._idle_watchdog())
        try:
            cfg = self.state.config
            # fault injection: frames before init (docs/protocol.md §7)
            await self._send_raw(cfg.frames_before_init)
            await self._send({"type": "init", "protocol": 1, "version": cfg.version}, cfg)
            async for msg in self.ws:
                self._touch()
                if self.state.config.latency_up > 0 or self._link.busy:
                    self._link.inbound(msg)
                    continue
                await self._on_message(msg)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed = True
            watchdog.cancel()
            self._link.stop()
            if self._command is not None:
                self._command.cancel()
            if self.session is not None:
                self.session.end()  # the process ends: its LOCKs go

    async def _on_message(self, msg: Any) -> None:
        if msg.type == WSMsgType.TEXT:
            await self._on_text(msg.data)
        elif msg.type == WSMsgType.PING:
            await self._send_frame(lambda: self.ws.pong(msg.data), self.state.config)
        # Binary frames are ignored, like non-JSON text: VS Code drops non-JSON frames
        # (docs/protocol.md §6.1) and no binary use is known: the simulator is as forgiving as VS Code.

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (Web Gateway restart, docs/protocol.md §4.5/§12
        #1481)."""
        self.closed = True
        if self._command is not None:
            self._command.cancel()
        if self.transport is not None:
            self.transport.abort()

    async def close(self, code: int) -> None:
        self.closed = True
        await self._link.drain()  # frames still on the slow link go out before the close
        await self.ws.close(code=code)

    # -------------------------------------------------------------------------------------- client frames ---
    async def _on_text(self, data: str) -> None:
        try:
            msg = json.loads(data)
        except ValueError:
            return  # non-JSON: ignored (docs/protocol.md §6.1 client rule, mirrored [I])
        if not isinstance(msg, dict):
            return
        kind = msg.get("type")
        if kind == "config":
            await self._on_config(msg)
        elif kind == "prompt":
            await self._on_prompt(msg.get("input"))
        elif kind == "read":
            await self._on_read(msg.get("input"))
        elif kind == "interrupt":
            await self._on_interrupt()
        elif kind == "color":
            source = msg.get("input")
            if isinstance(source, str):
                await self._send({"type": "color", "text": color_text(source)}, self.state.config)
        # unknown types: ignored (docs/protocol.md §6.1)

    async def _on_config(self, msg: Dict[str, Any]) -> None:
        if self.phase != "config":
            await self._out_of_state()
            return
        cfg = self.state.config
        wanted = msg.get("namespace")
        namespace = next(
            (ns for ns in cfg.namespaces if isinstance(wanted, str) and ns.upper() == wanted.upper()), None
        )
        if namespace is None:
            # docs/protocol.md §15.2: unknown namespace → error frame, then close [I]
            await self._send({"type": "error", "text": f"Namespace '{wanted}' does not exist"}, cfg)
            await self.close(ERROR_CLOSE_CODE)
            return
        raw = bool(msg.get("rawMode", False))
        host = self.state.host
        self.session = Session(self.job, namespace, cfg.namespaces, cfg.version, raw=raw, host=host)
        self.phase = "eval"
        if cfg.startup_output:  # ^%ZSTART JOB output before the first prompt (docs/protocol.md §1, §7)
            await self._send_output(cfg.startup_output, cfg)
        await self._send_prompt(cfg)

    async def _on_prompt(self, source: Any) -> None:
        if self.phase != "prompt" or not isinstance(source, str):
            await self._out_of_state()
            return
        self.phase = "eval"
        assert self.session is not None
        command = client_command(source)  # what the user sent: the log and the fault switches see it
        self.state.record(ExecutedCommand(self.job, command, self.session.namespace))
        self._started = False
        self._interrupt_requested = False
        self._command = asyncio.ensure_future(self._run_command(source, command))

    async def _on_read(self, reply: Any) -> None:
        future = self._read_future
        if self.phase != "read" or future is None or future.done():
            await self._out_of_state()
            return
        future.set_result(reply if isinstance(reply, str) else "")

    async def _on_interrupt(self) -> None:
        """docs/protocol.md §10: in EVAL/READ → ``<INTERRUPT>`` output + prompt; in PROMPT → just a new
        prompt."""
        if self.phase == "prompt":
            await self._send_prompt(self.state.config)
        elif self.phase in ("eval", "read") and self._command is not None and not self._ignore_interrupts:
            self._interrupt_requested = True
            if self._started:  # a task cancelled before its first step would never see the CancelledError
                self._command.cancel()

    async def _out_of_state(self) -> None:
        """docs/protocol.md §7: the server's reaction is unknown; ``out_of_state`` picks ignore or
        error+close."""
        cfg = self.state.config
        if cfg.out_of_state == "error":
            await self._send({"type": "error", "text": "Message not expected in this state"}, cfg)
            await self.close(ERROR_CLOSE_CODE)

    # ------------------------------------------------------------------------------------------- commands ---
    async def _run_command(self, source: str, command: str) -> None:
        assert self.session is not None
        self._command_began = self._loop.time()
        try:
            await self._run_command_body(source, command)
        finally:  # however it ended (prompt, error, close): tests count the commands running at once
            self._end_span()

    def _end_span(self) -> None:
        """Record the running command's span once: before its prompt goes out (a client that has the prompt
        must find the span), or when it ends without one."""
        if self._command_began is not None:
            self.state.record_span(self._command_began, self._loop.time())
            self._command_began = None

    async def _run_command_body(self, source: str, command: str) -> None:
        assert self.session is not None
        cfg = self.state.config
        self._started = True
        try:
            if self._interrupt_requested:
                raise asyncio.CancelledError()
            # malformed/unknown frames first (docs/protocol.md §6.1)
            injects, fault = cfg.injects_for(command), cfg.fault_for(command)
            if (injects or fault) and command != source:  # the mark line runs first; the fault hits the rest
                await self._execute(source[: len(source) - len(command) - 2], cfg)
                source = command
            await self._send_raw(injects)
            if fault == "close_mid_output_on":
                text = self._output_until_blocked(source, cfg)
                await self._send_output(text[: max(1, len(text) // 2)], cfg)
                self.abort()
                return
            if fault == "error_frame_on":
                text = self._output_until_blocked(source, cfg)
                await self._send_output(text[: max(1, len(text) // 2)], cfg)
                await self._send({"type": "error", "text": "Terminal agent failure"}, cfg)
                await self.close(ERROR_CLOSE_CODE)
                return
            if fault == "hang_on":
                self._ignore_interrupts = True
                await self._send_output(self._output_until_blocked(source, cfg), cfg)
                await asyncio.Event().wait()  # never a prompt; ends only when the socket does
            if fault == "trickle_on":
                await self._send_output(self._output_until_blocked(source, cfg), cfg)
                while True:
                    await asyncio.sleep(cfg.trickle_interval)
                    await self._send({"type": "output", "text": "."}, self.state.config)
            if fault == "unexpected_read_on":
                await self._wait_read(None, cfg)  # a read frame the code never asked for; reply discarded
            if await self._execute(source, cfg) == "halt":
                return
            await self._send_prompt(self.state.config)
        except asyncio.CancelledError:
            if not self._interrupt_requested or self.closed:
                raise
            self._interrupt_requested = False
            self._read_future = None
            cfg = self.state.config
            await self._send_output(interrupt_report(self.session.raw), cfg)
            await self._send_prompt(cfg)
        except ConnectionError:
            pass

    def _output_until_blocked(self, source: str, cfg: SimulatorConfig) -> str:
        """Run ``source`` up to its first READ/HANG/HALT and return the output (for the fault switches)."""
        assert self.session is not None
        texts: List[str] = []
        run = self.session.run(source, leading_crlf=cfg.leading_crlf)
        for event in run:
            if isinstance(event, Output):
                texts.append(event.text)
            elif event is not TICK or len(texts) > 10000:
                break
        run.close()
        return "".join(texts)

    async def _execute(self, source: str, cfg: SimulatorConfig) -> Optional[str]:
        """Drive the interpreter: batch its output into frames, serve READ/HANG/HALT (
        docs/protocol.md §8-§11)."""
        assert self.session is not None
        run = self.session.run(source, leading_crlf=cfg.leading_crlf)
        pending: List[str] = []
        size = 0
        reply: Optional[str] = None
        loop = asyncio.get_running_loop()
        breathed = loop.time()
        try:
            while True:
                try:
                    event = run.send(reply)
                except StopIteration:
                    break
                reply = None
                if isinstance(event, Output):
                    pending.append(event.text)
                    size += len(event.text)
                    if size >= cfg.natural_batch_chars:
                        await self._send_output("".join(pending), self.state.config)
                        pending, size = [], 0
                    continue
                if pending:
                    await self._send_output("".join(pending), self.state.config)
                    pending, size = [], 0
                if event is TICK:
                    now = loop.time()
                    if now - breathed >= _BREATHE_EVERY:
                        breathed = now
                        await asyncio.sleep(0)  # let the reader see an interrupt
                elif isinstance(event, ReadRequest):
                    reply = await self._wait_read(event.timeout, self.state.config)
                elif isinstance(event, Hang):
                    await asyncio.sleep(event.seconds)
                elif isinstance(event, Halt):  # docs/protocol.md §11: optional output, then close 1000 [I]
                    halt_cfg = self.state.config
                    if halt_cfg.halt_output:
                        await self._send_output(halt_cfg.halt_output, halt_cfg)
                    self.phase = "closing"
                    await self.close(1000)
                    return "halt"
            if pending:
                await self._send_output("".join(pending), self.state.config)
        finally:
            run.close()
        return None

    async def _wait_read(self, timeout: Optional[float], cfg: SimulatorConfig) -> Optional[str]:
        """Send a ``read`` frame (no text, docs/protocol.md §6.1) and wait for the reply; None on READ
        timeout."""
        future: asyncio.Future = self._loop.create_future()
        self._read_future = future
        self.phase = "read"
        try:
            await self._send({"type": "read"}, cfg)
            if timeout is None:
                return await future
            try:
                return await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                return None
        finally:
            self._read_future = None
            if self.phase == "read":
                self.phase = "eval"

    # --------------------------------------------------------------------------------------------- frames ---
    async def _send_prompt(self, cfg: SimulatorConfig) -> None:
        """``prompt{text, ns}``: bold unless rawMode; ``ns`` only in 2025.3+ mode (docs/protocol.md §6.1,
        docs/protocol.md §13)."""
        assert self.session is not None
        self._end_span()
        self.phase = "prompt"
        ns = self.session.namespace
        text = prompt_text(ns, self.session.raw, cfg.prompt_template)
        frame: Dict[str, Any] = {"type": "prompt", "text": text}
        if cfg.prompt_ns:
            frame["ns"] = ns
        await self._send(frame, cfg)

    async def _send_output(self, text: str, cfg: SimulatorConfig) -> None:
        for piece in self._split(text, cfg):
            await self._send({"type": "output", "text": piece}, cfg)

    def _split(self, text: str, cfg: SimulatorConfig) -> List[str]:
        """Chunk boundaries are arbitrary on a real server (docs/protocol.md §1, §8): fixed size or seeded
        random."""
        if not text:
            return []
        if cfg.chunk_size is not None:
            return [text[i : i + cfg.chunk_size] for i in range(0, len(text), cfg.chunk_size)]
        if cfg.random_chunks_seed is not None:
            if self._rng is None or self._rng_seed != cfg.random_chunks_seed:
                self._rng = random.Random(cfg.random_chunks_seed)
                self._rng_seed = cfg.random_chunks_seed
            pieces, pos = [], 0
            while pos < len(text):
                step = self._rng.randint(1, 12)
                pieces.append(text[pos : pos + step])
                pos += step
            return pieces
        return [text]

    async def _send_raw(self, frames: Sequence[Union[str, bytes]]) -> None:
        """Send injected frames verbatim: ``str`` as a text frame, ``bytes`` as a binary frame."""
        for frame in frames:
            if self.ws.closed:
                raise ConnectionResetError("terminal socket closed")
            async with self._send_lock:
                if isinstance(frame, bytes):
                    await self.ws.send_bytes(frame)
                else:
                    await self.ws.send_str(frame)
            self._touch()

    async def _send(self, frame: Dict[str, Any], cfg: SimulatorConfig) -> None:
        if cfg.frame_delay > 0:
            await asyncio.sleep(cfg.frame_delay)
        text = encode_frame(frame, cfg.frame_json)
        await self._send_frame(lambda: self.ws.send_str(text), cfg)

    async def _send_frame(self, write: Any, cfg: SimulatorConfig) -> None:
        """Write now, or (latency_down) hand the write to the link, which delivers it later, in order."""
        if self.ws.closed:
            raise ConnectionResetError("terminal socket closed")
        if cfg.latency_down > 0:
            self._link.outbound(write, cfg.latency_down)
        else:
            async with self._send_lock:
                await write()
        self._touch()

    # ----------------------------------------------------------------------------------------------- idle ---
    def _touch(self) -> None:
        self._last_traffic = self._loop.time()

    async def _idle_watchdog(self) -> None:
        """Close a terminal after ``idle_close_after`` s without frames either way (docs/protocol.md §4.5,
        docs/protocol.md §12)."""
        while not self.closed:
            cfg = self.state.config
            if cfg.idle_close_after is None:
                await asyncio.sleep(0.1)
                continue
            idle = self._loop.time() - self._last_traffic
            if idle >= cfg.idle_close_after:
                if cfg.idle_close_code is None:
                    self.abort()
                else:
                    await self.close(cfg.idle_close_code)
                return
            await asyncio.sleep(min(cfg.idle_close_after - idle, 0.1) + 0.001)


class _Link:
    """Per-direction latency (``latency_up``/``latency_down``): each frame is handled or written ``latency``
    seconds after it was received or sent, in order, without holding up the frames behind it."""

    def __init__(self, conn: TerminalConnection) -> None:
        self.conn = conn
        self._in: Optional[asyncio.Queue] = None
        self._out: Optional[asyncio.Queue] = None
        self._tasks: List[asyncio.Task] = []

    @property
    def busy(self) -> bool:
        return self._in is not None and not self._in.empty()

    def inbound(self, msg: Any) -> None:
        if self._in is None:
            self._in = asyncio.Queue()
            self._tasks.append(asyncio.ensure_future(self._run_in()))
        self._in.put_nowait((self.conn._loop.time() + self.conn.state.config.latency_up, msg))

    def outbound(self, write: Any, latency: float) -> None:
        if self._out is None:
            self._out = asyncio.Queue()
            self._tasks.append(asyncio.ensure_future(self._run_out()))
        self._out.put_nowait((self.conn._loop.time() + latency, write))

    async def _run_in(self) -> None:
        assert self._in is not None
        while True:
            due, msg = await self._in.get()
            await asyncio.sleep(max(0.0, due - self.conn._loop.time()))
            await self.conn._on_message(msg)

    async def _run_out(self) -> None:
        assert self._out is not None
        while True:
            due, write = await self._out.get()
            await asyncio.sleep(max(0.0, due - self.conn._loop.time()))
            try:
                if not self.conn.ws.closed:
                    async with self.conn._send_lock:
                        await write()
            except ConnectionError:
                pass
            finally:
                self._out.task_done()

    async def drain(self) -> None:
        if self._out is not None:
            await self._out.join()

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()


def encode_frame(frame: Dict[str, Any], style: str = "compact") -> str:
    """A frame's JSON text. IRIS sends compact JSON: no blanks after separators, non-ASCII as UTF-8, control
    characters as ``\\u001b`` escapes (docs/simulator-objectscript.md §9); ``"spaced"`` is Python's default.
    Text that UTF-8 cannot carry (a lone surrogate from ``$CHAR(55296)``) is escaped instead of failing."""
    if style == "spaced":
        return json.dumps(frame)
    text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(frame, separators=(",", ":"))
    return text


__all__ = ["TerminalConnection", "ObjectScriptError", "ERROR_CLOSE_CODE", "encode_frame"]
