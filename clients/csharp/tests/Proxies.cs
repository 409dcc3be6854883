using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace Roomwire.Tests
{
    /// <summary>
    /// A loopback TCP proxy in front of the server, to lose connections on purpose: drop every
    /// connection, refuse new ones for a while, or stop reading from clients (a stalled server).
    /// </summary>
    public sealed class TcpProxy : IDisposable
    {
        readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        readonly int target;
        readonly List<Socket> sockets = new List<Socket>();
        volatile bool refusing;
        volatile bool paused;
        volatile bool stopped;
        volatile Func<string, string> rewrite;

        public TcpProxy(int targetPort)
        {
            target = targetPort;
            listener.Start();
            new Thread(Accept) { IsBackground = true }.Start();
        }

        public int Port { get { return ((IPEndPoint)listener.LocalEndpoint).Port; } }
        public int Accepted { get; private set; }

        /// <summary>New connections are closed as soon as they are accepted.</summary>
        public bool Refusing { set { refusing = value; } }

        /// <summary>Nothing is read from clients: their sends pile up.</summary>
        public bool Paused { set { paused = value; } }

        /// <summary>Rewrites what clients send, chunk by chunk (a test tampers with a line on its way).</summary>
        public Func<string, string> RewriteFromClient { set { rewrite = value; } }

        /// <summary>Breaks every connection with a TCP reset both ways, as a failing network does.</summary>
        public void ResetAll()
        {
            lock (sockets)
            {
                foreach (var socket in sockets)
                {
                    try { socket.LingerState = new LingerOption(true, 0); }
                    catch (Exception) { }
                }
            }
            DropAll();
        }

        /// <summary>Closes every connection (a FIN, unless data was left unread).</summary>
        public void DropAll()
        {
            lock (sockets)
            {
                foreach (var socket in sockets) socket.Close();
                sockets.Clear();
            }
        }

        public void Dispose()
        {
            stopped = true;
            listener.Stop();
            DropAll();
        }

        void Accept()
        {
            while (!stopped)
            {
                Socket client;
                try { client = listener.AcceptSocket(); }
                catch (Exception) { return; }
                Accepted += 1;
                if (refusing) { client.Close(); continue; }
                client.ReceiveBufferSize = 8 * 1024;
                var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                upstream.Connect(IPAddress.Loopback, target);
                lock (sockets)
                {
                    sockets.Add(client);
                    sockets.Add(upstream);
                }
                new Thread(() => Copy(client, upstream, true)) { IsBackground = true }.Start();
                new Thread(() => Copy(upstream, client, false)) { IsBackground = true }.Start();
            }
        }

        void Copy(Socket from, Socket to, bool fromClient)
        {
            var buffer = new byte[8 * 1024];
            try
            {
                while (true)
                {
                    while (fromClient && paused && !stopped) Thread.Sleep(5);
                    int count = from.Receive(buffer);
                    if (count == 0) break;
                    var change = fromClient ? rewrite : null;
                    if (change == null) { to.Send(buffer, 0, count, SocketFlags.None); continue; }
                    to.Send(System.Text.Encoding.UTF8.GetBytes(change(System.Text.Encoding.UTF8.GetString(buffer, 0, count))));
                }
            }
            catch (Exception) { }
            from.Close();
            to.Close();
        }
    }

    /// <summary>A loopback UDP relay in front of the server that drops the first bind datagrams it sees.</summary>
    public sealed class LossyUdpProxy : IDisposable
    {
        readonly Socket front = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        readonly Socket back = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        int bindsToDrop;
        EndPoint client;
        volatile bool stopped;

        public LossyUdpProxy(int serverPort, int bindsToDrop)
        {
            this.bindsToDrop = bindsToDrop;
            front.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            back.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            back.Connect(new IPEndPoint(IPAddress.Loopback, serverPort));
            new Thread(Forward) { IsBackground = true }.Start();
            new Thread(Backward) { IsBackground = true }.Start();
        }

        public int Port { get { return ((IPEndPoint)front.LocalEndPoint).Port; } }
        public int BindsSeen { get; private set; }

        public void Dispose()
        {
            stopped = true;
            front.Close();
            back.Close();
        }

        void Forward()
        {
            var buffer = new byte[64 * 1024];
            while (!stopped)
            {
                try
                {
                    EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                    int count = front.ReceiveFrom(buffer, ref from);
                    client = from;
                    bool bind = count > 1 && buffer[0] == (byte)'0' && buffer[1] == (byte)':';
                    if (bind) BindsSeen += 1;
                    if (bind && bindsToDrop > 0) { bindsToDrop -= 1; continue; }
                    back.Send(buffer, 0, count, SocketFlags.None);
                }
                catch (Exception) { if (stopped) return; }
            }
        }

        void Backward()
        {
            var buffer = new byte[64 * 1024];
            while (!stopped)
            {
                try
                {
                    int count = back.Receive(buffer);
                    if (client != null) front.SendTo(buffer, 0, count, SocketFlags.None, client);
                }
                catch (Exception) { if (stopped) return; }
            }
        }
    }

    /// <summary>
    /// A one-connection server that answers the login with <paramref name="loginAnswer"/> and then
    /// sends <paramref name="lines"/>: for what today's server never sends (a resume token, new types).
    /// </summary>
    public sealed class ScriptedServer : IDisposable
    {
        readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);

        public ScriptedServer(string loginAnswer, params string[] lines)
        {
            listener.Start();
            new Thread(() =>
            {
                try
                {
                    using (var socket = listener.AcceptSocket())
                    {
                        var buffer = new byte[1024];
                        socket.Receive(buffer); // the login line
                        var text = loginAnswer + "\n" + string.Join("\n", lines) + "\n";
                        socket.Send(System.Text.Encoding.UTF8.GetBytes(text));
                        Thread.Sleep(2000);
                    }
                }
                catch (Exception) { }
            }) { IsBackground = true }.Start();
        }

        public int Port { get { return ((IPEndPoint)listener.LocalEndpoint).Port; } }

        public void Dispose()
        {
            listener.Stop();
        }
    }
}
