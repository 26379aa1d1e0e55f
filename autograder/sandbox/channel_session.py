"""The grader's side of one child's channel: decode, check and keep what the child sends.

The child writes binary frames on its stdout (child/channel.py: a JSON header
and the raw bytes of its arrays). A ChannelSession turns each into the
grader's records (records.ChildRun, records.ProbeResult), checking every
field as untrusted data, and answers loss calls through the LossService;
serve_channel reads the frames, with caps on each and on the total, in a
thread of the grader (start_reader) or in a serving worker (serving.py).
"""
import threading

from .child import channel as wire
from .records import MAX_ERROR_CHARS, ProbeResult

# Why a child could not load neural_net.py (ids of checks/diagnoses.py).
IMPORT_FAILURE_KINDS = ('python2', 'syntax_error', 'missing_import', 'no_class',
                        'import_failed')


def probe_result(message, payload):
    """The ProbeResult of one decoded 'probe' message and its payload (wire.Received).

    WireError (or KeyError, TypeError, ValueError) for a malformed one."""
    if message.get('ok') is True:
        return ProbeResult.success(wire.decode_arrays(message.get('outputs'), payload),
                                   wire.decode_problems(message.get('problems', {})),
                                   wire.decode_problems(message.get('dtypes', {})))
    return ProbeResult.failure(message.get('error', ''), message.get('exception', ''),
                               message.get('line'))


class ChannelSession:
    """The grader's side of one child's channel: decodes messages as they come.

    Every message is checked before it is kept; a malformed one ends the
    session (the child is then stopped). Loss calls are answered through
    the LossService, if any.
    """

    def __init__(self, run, service=None):
        self.run = run
        self.service = service

    def feed(self, header, payload=b''):
        """Apply one frame; returns the reply to send back (an encoded frame), or None."""
        run = self.run
        if self.service is not None:
            replayed = self.service.replay(header, payload, run.probe_results.keys())
            if replayed is not None:
                return replayed
        message = wire.decode_message(header)
        event = message['event']
        if event == 'loss_call':
            if self.service is None:
                raise wire.WireError('loss call without a loss service')
            return self.service.reply_frame(message, run.probe_results.keys(), header, payload)
        payload = wire.Received(payload)
        if event == 'imported':
            run.imported = True
        elif event == 'import_error':
            run.import_error = str(message.get('error', ''))[:MAX_ERROR_CHARS]
            kind = message.get('kind')
            run.import_kind = kind if kind in IMPORT_FAILURE_KINDS else 'import_failed'
        elif event == 'probe':
            probe_id = message.get('id')
            if not isinstance(probe_id, str) or probe_id in run.probe_results:
                raise wire.WireError('bad or repeated probe id')
            run.probe_results[probe_id] = probe_result(message, payload)
        elif event == 'done':
            run.finished = True
        else:
            raise wire.WireError('unknown event')
        return None


def serve_channel(channel, replies, session, stop_child, caps):
    """Read the child's frames until EOF, answering loss calls (runs in a thread).

    channel: the child's stdout (binary file); replies: its stdin. Each frame
    is capped at caps[0] bytes and the whole stream at caps[1]
    (Limits.channel_caps; checked on the sizes a frame declares, before it is
    read); past either, or at the first malformed message, the child is
    stopped and the run records why.
    """
    run = session.run
    total = 0
    max_message, max_total = caps
    try:
        while True:
            try:
                frame = wire.read_frame(channel, min(max_message, max_total - total))
                if frame is None:
                    return
                total += wire.FRAME_PREFIX.size + len(frame[0]) + len(frame[1])
                reply = session.feed(*frame)
            except wire.FrameTooLarge:
                run.channel_error = 'the child sent more data than allowed'
                stop_child()
                return
            except (wire.WireError, KeyError, TypeError, ValueError) as error:
                run.channel_error = 'malformed result from the child (%s)' % error
                stop_child()
                return
            if reply is not None:
                try:
                    replies.write(reply)
                    replies.flush()
                except OSError:   # the child is gone or stopped reading
                    return
    finally:
        for stream in (channel, replies):
            try:
                stream.close()
            except OSError:
                pass


def start_reader(run, channel, replies, service, stop_child, limits):
    """A thread of the grader serving one child's channel into run."""
    reader = threading.Thread(
        target=serve_channel, daemon=True,
        args=(channel, replies, ChannelSession(run, service), stop_child, limits.channel_caps))
    reader.start()
    return reader
