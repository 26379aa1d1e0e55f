"""A child's channel served by a worker process (the warm start's other half).

A correctness grade is mostly round trips: the student's train and predict
call the reference loss about 400 times, and the grader decodes, checks,
computes and answers each call. Served by threads of the grader, those
answers share one interpreter lock however many jobs run, and the grader,
not the machine, sets the pace. Under the warm start each job's channel is
served by a worker instead: a Python process of the grader's own (trusted,
outside the sandbox, started once and reused), which runs the same
ChannelSession and LossService code (channel_session.py, service.py) on the
channel's descriptors and, when the channel closes, sends back what a
thread of the grader would have recorded: the run (import status, probe
results, why the channel was cut) and the service's record (losses served,
first minibatches, calls counted). It asks the grader to stop the child
when a frame is malformed or too large, as the thread would have.

Messages between grader and worker (a private socket; both ends trusted):
an 8-byte length and a pickle; a job carries the channel's two
descriptors. The worker ends when the grader's end of the socket closes.
"""
import os
import pickle
import select
import socket
import struct
import subprocess
import sys
import threading

from .pool import WarmStartFailed

LENGTH = struct.Struct('<Q')
READY_TIMEOUT = 60.0
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOOT = ('import sys; sys.path.insert(0, sys.argv[2]); '
        'from autograder.sandbox.serving import worker_main; worker_main(int(sys.argv[1]))')


def _send(sock, message, fds=()):
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    head = LENGTH.pack(len(data))
    if fds:
        socket.send_fds(sock, [head], list(fds))
    else:
        sock.sendall(head)
    sock.sendall(data)


def _exactly(sock, size):
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError('the other end of the serving socket closed')
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)


def _receive(sock, max_fds=0):
    """(message, descriptors) of the next message; EOFError at the end."""
    if max_fds:
        head, fds, _, _ = socket.recv_fds(sock, LENGTH.size, max_fds)
    else:
        head, fds = sock.recv(LENGTH.size), []
    try:
        if not head:
            raise EOFError('the other end of the serving socket closed')
        head += _exactly(sock, LENGTH.size - len(head))
        return pickle.loads(_exactly(sock, LENGTH.unpack(head)[0])), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


# ----------------------------------------------------------- grader side ---

class ServingWorker:
    """One worker process and the grader's end of its socket."""

    def __init__(self):
        self.killed = False
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, '-c', BOOT, str(theirs.fileno()), PACKAGE_PARENT],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),))
        finally:
            theirs.close()
        self.sock = ours
        ready = select.select([ours], [], [], READY_TIMEOUT)[0]
        try:
            message = _receive(ours)[0] if ready else None
        except (EOFError, OSError, pickle.UnpicklingError):
            message = None
        if message != 'ready':
            self.close()
            raise WarmStartFailed('the serving worker did not start')

    def serve(self, channel_fd, replies_fd, service, caps, stop_child, cpu=None):
        """Start serving one child's channel; returns a thread whose result() gives
        (ChildRun, the service's record or None). The two descriptors are handed over
        (closed here once sent). stop_child() is called when the worker asks for it;
        cpu: the CPU the job runs on (cpus.py), or None.
        WarmStartFailed: the worker is gone (the descriptors are still the caller's)."""
        job = {'service': None if service is None else service.spec(), 'caps': tuple(caps),
               'cpu': cpu}
        try:
            _send(self.sock, job, (channel_fd, replies_fd))
        except OSError as error:   # the descriptors stay with the caller
            self.killed = True
            raise WarmStartFailed('the serving worker is gone (%s)' % error) from error
        os.close(channel_fd)
        os.close(replies_fd)
        collector = _Collector(self, stop_child)
        collector.start()
        return collector

    def alive(self):
        return not self.killed and self.proc.poll() is None

    def close(self):
        self.killed = True
        self.sock.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class _Collector(threading.Thread):
    """Waits for the worker's answer about one job (stop requests first, then the run)."""

    def __init__(self, worker, stop_child):
        super().__init__(daemon=True)
        self.worker, self.stop_child = worker, stop_child
        self.answer, self.error = None, None

    def run(self):
        try:
            while True:
                message = _receive(self.worker.sock)[0]
                if message == 'stop':
                    self.stop_child()
                    continue
                self.answer = message
                return
        except (EOFError, OSError, pickle.UnpicklingError) as error:
            self.worker.killed = True
            self.error = error

    def result(self, timeout):
        """(ChildRun, service record or None); RuntimeError if the worker failed."""
        self.join(timeout)
        if self.answer is None:
            self.worker.killed = True
            raise RuntimeError('the serving worker failed (%s)'
                               % (self.error or 'no answer in %g s' % timeout))
        return self.answer



# ----------------------------------------------------------- worker side ---

def worker_main(fd):
    """The worker's loop: one job at a time until the grader hangs up."""
    from .channel_session import ChannelSession, serve_channel
    from .child.main import pin_to, watch_grader
    from .records import ChildRun
    from .service import AnswerCache, LossService, load_reference_class

    sock = socket.socket(fileno=fd)
    watch_grader(sock)     # ends this worker when the grader is gone, even mid-job
    _send(sock, 'ready')
    classes, caches = {}, {}    # by reference file: the class, its AnswerCache
    while True:
        try:
            job, fds = _receive(sock, max_fds=2)
        except (EOFError, OSError):
            os._exit(0)
        pin_to(job['cpu'])
        service = None
        if job['service'] is not None:
            reference_file, budgets, gate = job['service']
            if reference_file not in classes:
                classes[reference_file] = load_reference_class(reference_file)
                caches[reference_file] = AnswerCache()
            service = LossService(classes[reference_file], budgets, gate, reference_file,
                                  caches[reference_file])
        run = ChildRun()
        serve_channel(os.fdopen(fds[0], 'rb'), os.fdopen(fds[1], 'wb'),
                       ChannelSession(run, service), lambda: _send(sock, 'stop'), job['caps'])
        _send(sock, (run, None if service is None else service.record()))
