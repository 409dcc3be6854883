using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace Roomwire
{
    /// <summary>
    /// The UDP socket of one connection, connected to the server's address (the TCP one, as binding
    /// needs: docs/protocol.md section 6). A thread receives datagrams into the <see cref="Inbox"/>;
    /// sends are made on the caller's thread and never block: a datagram the kernel cannot take now
    /// is dropped, as the network could have dropped it.
    /// </summary>
    internal sealed class UdpLink
    {
        static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);

        readonly Socket socket;
        readonly Inbox inbox;
        readonly int generation;
        volatile bool closed;

        public UdpLink(IPAddress server, int port, Inbox inbox, int generation)
        {
            this.inbox = inbox;
            this.generation = generation;
            socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(new IPEndPoint(server, port));
            socket.Blocking = false;
            var reader = new Thread(Receive) { IsBackground = true, Name = "roomwire-udp-read" };
            reader.Start();
        }

        /// <summary>Datagrams dropped because the socket could not take them.</summary>
        public int Dropped { get; private set; }

        public void Send(string text)
        {
            if (closed) return;
            try
            {
                socket.Send(Utf8.GetBytes(text));
            }
            catch (SocketException)
            {
                // Would block, or an ICMP "port unreachable" from an earlier datagram: best-effort.
                Dropped += 1;
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Close()
        {
            closed = true;
            socket.Close();
        }

        void Receive()
        {
            var buffer = new byte[64 * 1024];
            while (!closed)
            {
                try
                {
                    if (!socket.Poll(200 * 1000, SelectMode.SelectRead)) continue;
                    int count = socket.Receive(buffer);
                    int length = count > 0 && buffer[count - 1] == (byte)'\n' ? count - 1 : count;
                    inbox.PostDatagram(generation, Utf8.GetString(buffer, 0, length));
                }
                catch (SocketException)
                {
                    // ICMP errors surface here on some systems; the socket is still usable.
                    Thread.Sleep(1);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }
    }
}
