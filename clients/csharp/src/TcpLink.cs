using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace Roomwire
{
    /// <summary>
    /// One TCP connection: a thread that connects and then reads lines into the <see cref="Inbox"/>,
    /// and a thread that writes the bounded send queue. Nothing here knows the protocol beyond
    /// "lines end in \n"; every report carries the connection's generation.
    /// </summary>
    internal sealed class TcpLink
    {
        static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);

        readonly RoomwireClientOptions options;
        readonly Inbox inbox;
        readonly int generation;
        readonly object gate = new object();
        readonly Queue<byte[]> queue = new Queue<byte[]>();
        int queuedBytes;
        volatile bool closing;
        volatile bool aborted;
        Socket socket;
        readonly ManualResetEvent readerDone = new ManualResetEvent(false);
        readonly ManualResetEvent writerDone = new ManualResetEvent(false);

        public TcpLink(RoomwireClientOptions options, Inbox inbox, int generation)
        {
            this.options = options;
            this.inbox = inbox;
            this.generation = generation;
        }

        /// <summary>The server's address once connected: UDP goes there, from the same machine.</summary>
        public IPAddress RemoteAddress { get; private set; }

        public int QueuedBytes { get { lock (gate) return queuedBytes; } }

        public void Start()
        {
            var reader = new Thread(Run) { IsBackground = true, Name = "roomwire-tcp-read" };
            reader.Start();
        }

        /// <summary>Queues a line (a newline is added); false when the queue has no room for it.</summary>
        public bool Send(string line)
        {
            byte[] bytes = Utf8.GetBytes(line + "\n");
            lock (gate)
            {
                if (closing) return true; // lost with the connection, like anything not yet written
                if (queuedBytes + bytes.Length > options.MaxQueuedBytes && queuedBytes > 0) return false;
                if (bytes.Length > options.MaxQueuedBytes) return false;
                queue.Enqueue(bytes);
                queuedBytes += bytes.Length;
                Monitor.Pulse(gate);
                return true;
            }
        }

        /// <summary>Writes what is queued, then closes; the reader reports Closed.</summary>
        public void Close()
        {
            lock (gate)
            {
                closing = true;
                Monitor.PulseAll(gate);
            }
        }

        /// <summary>
        /// Closes at once, dropping what is queued. With <paramref name="reset"/> the server sees a TCP
        /// reset, a broken connection, and keeps the session for a resume (docs/protocol.md section 10).
        /// </summary>
        public void Abort(bool reset = false)
        {
            Socket open;
            lock (gate)
            {
                closing = true;
                aborted = true;
                queue.Clear();
                queuedBytes = 0;
                open = socket;
                Monitor.PulseAll(gate);
            }
            if (open == null) return;
            if (reset)
            {
                try { open.LingerState = new LingerOption(true, 0); }
                catch (Exception) { } // already closed: nothing to reset
            }
            open.Close();
        }

        void Run()
        {
            Socket connected;
            try
            {
                connected = Connect();
            }
            catch (Exception error)
            {
                inbox.Post(InboxKind.ConnectFailed, generation, error);
                return;
            }
            RemoteAddress = ((IPEndPoint)connected.RemoteEndPoint).Address;
            inbox.Post(InboxKind.Connected, generation, null);
            var writer = new Thread(() => Write(connected)) { IsBackground = true, Name = "roomwire-tcp-write" };
            writer.Start();
            Exception failure = null;
            try
            {
                Read(connected);
            }
            catch (Exception error)
            {
                failure = error;
            }
            bool wasClosing = closing;
            lock (gate)
            {
                if (aborted) failure = null;
                closing = true;
                Monitor.PulseAll(gate);
            }
            // Close(): what was queued before it is written before the socket goes.
            if (wasClosing && !aborted) writerDone.WaitOne(1000);
            connected.Close();
            readerDone.Set();
            inbox.Post(InboxKind.Closed, generation, failure);
        }

        Socket Connect()
        {
            IPAddress[] addresses = Dns.GetHostAddresses(options.Host);
            if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
            // IPv4 first: the server's UDP bind checks the address, and loopback names resolve to both.
            IPAddress address = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];
            var candidate = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            lock (gate)
            {
                if (closing) throw new ObjectDisposedException("closed while connecting");
                socket = candidate;
            }
            IAsyncResult pending = candidate.BeginConnect(address, options.Port, null, null);
            if (!pending.AsyncWaitHandle.WaitOne(options.ConnectTimeoutMs))
            {
                candidate.Close();
                throw new TimeoutException("no connection to " + options.Host + ":" + options.Port + " in " + options.ConnectTimeoutMs + " ms");
            }
            candidate.EndConnect(pending);
            return candidate;
        }

        void Read(Socket connected)
        {
            var buffer = new byte[64 * 1024];
            var line = new MemoryStream();
            while (true)
            {
                int count = connected.Receive(buffer);
                if (count == 0) return;
                int start = 0;
                for (int i = 0; i < count; i++)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    line.Write(buffer, start, i - start);
                    start = i + 1;
                    if (!Deliver(line)) return;
                }
                line.Write(buffer, start, count - start);
                if (line.Length > options.MaxLineBytes) throw new IOException("a server line is longer than " + options.MaxLineBytes + " bytes");
            }
        }

        bool Deliver(MemoryStream line)
        {
            byte[] bytes = line.GetBuffer();
            int length = (int)line.Length;
            if (length > 0 && bytes[length - 1] == (byte)'\r') length -= 1;
            string text = Utf8.GetString(bytes, 0, length);
            line.SetLength(0);
            if (text.Length == 0) return true;
            // Once closing, nobody will read it: a reader waiting for room gives up.
            return inbox.PostLine(generation, text, () => !closing);
        }

        void Write(Socket connected)
        {
            var batch = new MemoryStream();
            try
            {
                while (true)
                {
                    bool last;
                    lock (gate)
                    {
                        while (queue.Count == 0 && !closing) Monitor.Wait(gate);
                        if (aborted) return;
                        // Many small lines leave in one write.
                        while (queue.Count > 0 && batch.Length < 64 * 1024)
                        {
                            byte[] bytes = queue.Dequeue();
                            queuedBytes -= bytes.Length;
                            batch.Write(bytes, 0, bytes.Length);
                        }
                        last = closing && queue.Count == 0;
                    }
                    if (batch.Length > 0) connected.Send(batch.GetBuffer(), 0, (int)batch.Length, SocketFlags.None);
                    batch.SetLength(0);
                    if (last)
                    {
                        connected.Shutdown(SocketShutdown.Send);
                        writerDone.Set();
                        // A server that never closes its side does not keep the reader waiting.
                        readerDone.WaitOne(1000);
                        connected.Close();
                        return;
                    }
                }
            }
            catch (Exception)
            {
                // The reader sees the broken socket and reports it.
                connected.Close();
            }
            finally
            {
                writerDone.Set();
            }
        }
    }
}
