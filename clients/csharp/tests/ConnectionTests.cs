using System;
using Roomwire;

namespace Roomwire.Tests
{
    /// <summary>UDP, ping, reconnect, the bounded queues, closing, and what the client checks itself.</summary>
    public static partial class ClientTests
    {
        static void Udp(TestContext t)
        {
            var a = t.Player("a", R("cs-udp"));
            var b = t.Player("b", R("cs-udp"));
            var notBound = Assert.Throws<RoomwireException>(() => a.SendUnreliable(MessageMode.Others, "early"), "before the bind");
            Assert.Code(ErrorCodes.UdpNotBound, notBound, "code");
            t.Await(a.BindUdp());
            t.Await(b.BindUdp());
            Assert.True(a.UdpBound && b.UdpBound, "bound");
            var atB = new Recorder(b);
            var atA = new Recorder(a);
            // Datagrams may be lost even on loopback: send until one arrives.
            t.Until(() =>
            {
                if (atB.Messages.Count == 0) a.SendUnreliable(MessageMode.Others, "pos:1.5,0,2");
                return atB.Messages.Count > 0;
            }, "an unreliable message");
            Assert.True(atB.Messages[0].Unreliable && atB.Messages[0].SenderId == a.SelfId, "over UDP, from a");
            Assert.Equal("pos:1.5,0,2", atB.Messages[0].Payload, "payload");
            b.SetGroup("back", new[] { a.SelfId });
            t.Until(() =>
            {
                if (atA.Messages.Count == 0) b.SendGroupUnreliable("back", "to a");
                return atA.Messages.Count > 0;
            }, "an unreliable group message");
            Assert.True(atA.Messages[0].Unreliable && atA.Messages[0].Payload == "to a", "group over UDP");
            Assert.Equal(0, atA.OffThread + atB.OffThread, "events raised on another thread than Pump()'s");
        }

        static void UdpBindRetry(TestContext t)
        {
            var proxy = t.Track(new LossyUdpProxy(t.Port, 2));
            var options = t.Options();
            options.UdpPort = proxy.Port;
            options.UdpRetryMs = 50;
            var client = t.Client(options);
            client.Connect();
            t.Await(client.Login("lossy"));
            t.Await(client.BindUdp());
            Assert.True(proxy.BindsSeen >= 3, "two binds were lost, the third answered: saw " + proxy.BindsSeen);
        }

        static void Ping(TestContext t)
        {
            var client = t.Player("pinger");
            double rtt = t.Await(client.Ping());
            Assert.True(rtt >= 0 && rtt < 5000, "round trip " + rtt);
            Assert.Equal(rtt, client.LastRoundTripMs, "LastRoundTripMs");
            var options = t.Options();
            options.AutoPingIntervalMs = 30;
            var auto = t.Client(options);
            auto.Connect();
            t.Await(auto.Login("auto"));
            t.Until(() => auto.LastRoundTripMs >= 0, "an automatic ping's answer");
        }

        static void RefusalEvents(TestContext t)
        {
            var client = t.Player("grouper");
            var errors = new Recorder(client).Errors;
            client.SetGroup(new string('g', 100), new[] { 1 }); // longer than maxGroupNameLength
            t.Until(() => errors.Count == 1, "the refusal");
            Assert.Code("bad_group_name", errors[0], "code");
            Assert.True(errors[0].FromServer && !errors[0].ClosesConnection, "a server refusal that keeps the connection");
            Assert.Equal(ClientStatus.Open, client.Status, "still open");
        }

        static void Reconnects(TestContext t)
        {
            var proxy = t.Track(new TcpProxy(t.Port));
            var bot = t.Client(t.Reconnecting(proxy));
            var seen = new Recorder(bot);
            bot.Connect();
            int firstId = t.Await(bot.Login("bot", "pw"));
            t.Await(bot.Join(R("cs-persistent"), "secret"));
            t.Await(bot.BindUdp());

            proxy.Refusing = true;
            proxy.DropAll();
            t.Until(() => seen.Closes.Count == 1, "the Closed event");
            Assert.True(seen.Closes[0].Reconnecting, "reconnecting");
            Assert.Code(ErrorCodes.ConnectionClosed, seen.Closes[0].Error, "why");
            Assert.Equal(ClientStatus.Reconnecting, bot.Status, "status");
            Assert.Code(ErrorCodes.NotConnected, t.Refused(bot.ListRooms()), "requests while reconnecting");
            int refused = proxy.Accepted;
            t.Until(() => proxy.Accepted >= refused + 2, "attempts while the server is away");
            proxy.Refusing = false;
            t.Until(() => seen.Reconnects.Count == 1, "the Reconnected event", 5000);

            Assert.Equal(ClientStatus.Open, bot.Status, "open again");
            Assert.Equal(R("cs-persistent"), seen.Reconnects[0].Room, "back in its room");
            Assert.True(bot.SelfId != firstId && bot.SelfId == seen.Reconnects[0].ClientId, "a new id");
            // A closed connection (not a broken one) ends the session at once: the resume is refused.
            Assert.True(!seen.Reconnects[0].Resumed, "not resumed");
            Assert.Code(ErrorCodes.ResumeFailed, seen.Reconnects[0].ResumeRefusal, "the resume's refusal");
            Assert.True(bot.UdpBound, "UDP bound again");
            var peer = t.Player("peer", R("cs-persistent"), "secret");
            Assert.Sequence(new[] { bot.SelfId, peer.SelfId }, peer.Room.Members, "the peer finds it there");
            var atBot = new Recorder(bot);
            peer.Send(MessageMode.Others, "welcome back");
            t.Until(() => atBot.HasMessage(peer.SelfId, "welcome back"), "a message after the reconnect");
            peer.BindUdp();
            t.Until(() =>
            {
                if (peer.UdpBound && !atBot.Messages.Exists(m => m.Unreliable)) peer.SendUnreliable(MessageMode.Others, "udp back");
                return atBot.Messages.Exists(m => m.Unreliable);
            }, "a datagram after the reconnect");
            Assert.Equal(0, seen.OffThread + atBot.OffThread, "events raised on another thread than Pump()'s");
        }

        static void FinalCodes(TestContext t)
        {
            var options = t.Options();
            options.Reconnect = new ReconnectOptions { InitialDelayMs = 10, MaxDelayMs = 20 };
            var client = t.Client(options);
            var seen = new Recorder(client);
            t.Await(client.Connect());
            for (int i = 0; i < 3; i++) client.Login("x", "wrong").Catch(e => { });
            t.Until(() => seen.Closes.Count == 1, "the close");
            Assert.Code(ErrorCodes.TooManyAuthFailures, seen.Closes[0].Error, "why");
            Assert.True(!seen.Closes[0].Reconnecting, "no reconnect");
            t.PumpFor(100);
            Assert.Equal(ClientStatus.Closed, client.Status, "closed");
            Assert.Equal(1, seen.Closes.Count, "one close");
        }

        static void BoundedSendQueue(TestContext t)
        {
            var proxy = t.Track(new TcpProxy(t.Port));
            var options = t.Options();
            options.Port = proxy.Port;
            options.MaxQueuedBytes = 64 * 1024;
            var client = t.Client(options);
            client.Connect();
            t.Await(client.Login("flooder"));
            t.Await(client.Join(R("cs-flood")));
            proxy.Paused = true;
            string payload = new string('x', 16 * 1024);
            RoomwireException full = null;
            for (int i = 0; i < 2000 && full == null; i++)
            {
                try { client.Send(MessageMode.Others, payload); }
                catch (RoomwireException error) { full = error; }
                if (i % 50 == 0) System.Threading.Thread.Sleep(5);
            }
            Assert.Code(ErrorCodes.SendQueueFull, full, "a full queue");
            Assert.True(client.QueuedBytes <= options.MaxQueuedBytes, "bounded: " + client.QueuedBytes);
            Assert.Equal(ClientStatus.Open, client.Status, "still open");
        }

        static void BoundedInbox(TestContext t)
        {
            var options = t.Options();
            options.MaxInboundLines = 8;
            var slow = t.Client(options);
            var messages = new Recorder(slow).Messages;
            slow.Connect();
            t.Await(slow.Login("slow"));
            t.Await(slow.Join(R("cs-slow")));
            var fast = t.Player("fast", R("cs-slow"));
            for (int i = 0; i < 200; i++) fast.Send(MessageMode.Others, "n" + i);
            System.Threading.Thread.Sleep(100); // the reader fills the inbox and waits
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (messages.Count < 200 && watch.ElapsedMilliseconds < 5000) { slow.Pump(); System.Threading.Thread.Sleep(1); }
            Assert.Equal(200, messages.Count, "every message");
            for (int i = 0; i < 200; i++) Assert.Equal("n" + i, messages[i].Payload, "in order");
        }

        static void ExtraFields(TestContext t)
        {
            var fake = t.Track(new ScriptedServer("0:7:tok3n:more", "77:future type", "0", "2:7:lobby", "4:7", "8"));
            var options = t.Options();
            options.Port = fake.Port;
            var client = t.Client(options);
            var seen = new Recorder(client);
            client.Connect();
            Assert.Equal(7, t.Await(client.Login("old")), "client id from field 1");
            Assert.Equal("tok3n", client.SessionToken, "the token of field 2");
            t.Until(() => seen.Masters.Count == 1, "lines after the unknown ones");
            Assert.Equal("lobby", client.Room.Name, "in the room");
            Assert.Equal(0, seen.Errors.Count, "unknown lines are no errors");
        }

        static void Closes(TestContext t)
        {
            var client = t.Player("closer", R("cs-close"));
            var seen = new Recorder(client);
            client.Close();
            t.Until(() => seen.Closes.Count == 1, "Closed");
            Assert.True(seen.Closes[0].Error == null && !seen.Closes[0].Reconnecting, "a clean close");
            Assert.Equal(ClientStatus.Closed, client.Status, "status");
            Assert.Code(ErrorCodes.NotConnected, t.Refused(client.Join(R("cs-close"))), "after close");
            Assert.Throws<RoomwireException>(() => client.Send(MessageMode.All, "x"), "send after close");
        }

        static void ConnectFails(TestContext t)
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int unused = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var options = t.Options();
            options.Port = unused;
            var client = t.Client(options);
            var connecting = client.Connect();
            var login = client.Login("nobody"); // waits for the connection, and fails with it
            Assert.Code(ErrorCodes.ConnectFailed, t.Refused(connecting), "connect");
            Assert.Code(ErrorCodes.ConnectFailed, t.Refused(login), "the waiting login");
            Assert.Equal(ClientStatus.Closed, client.Status, "closed");
        }

        static void RequestTimeout(TestContext t)
        {
            var proxy = t.Track(new TcpProxy(t.Port));
            proxy.Paused = true; // the login never reaches the server
            var options = t.Options();
            options.Port = proxy.Port;
            options.RequestTimeoutMs = 200;
            var client = t.Client(options);
            var seen = new Recorder(client);
            client.Connect();
            Assert.Code(ErrorCodes.Timeout, t.Refused(client.Login("patient")), "the login");
            t.Until(() => seen.Closes.Count == 1, "the close");
            Assert.Code(ErrorCodes.Timeout, seen.Closes[0].Error, "why");
            Assert.Equal(ClientStatus.Closed, client.Status, "closed, as reconnect is off");
        }

        static void CloseWhileConnecting(TestContext t)
        {
            var client = t.Client();
            var seen = new Recorder(client);
            var connecting = client.Connect();
            var login = client.Login("hasty");
            client.Close();
            Assert.Code(ErrorCodes.NotConnected, t.Refused(connecting), "connect");
            Assert.Code(ErrorCodes.NotConnected, t.Refused(login), "login");
            t.PumpFor(100);
            Assert.Equal(1, seen.Closes.Count, "one Closed event");
            Assert.Equal(ClientStatus.Closed, client.Status, "closed");
        }

        static void ArgumentChecks(TestContext t)
        {
            var client = t.Player("checker", R("cs-checks"));
            Assert.Throws<ArgumentException>(() => client.Login("a:b"), "':' in a username");
            Assert.Throws<ArgumentException>(() => client.Join("a,b"), "',' in a room");
            Assert.Throws<ArgumentException>(() => client.Join("-1"), "room -1");
            Assert.Throws<ArgumentException>(() => client.Send(MessageMode.All, "two\nlines"), "a newline in a payload");
            Assert.Throws<ArgumentException>(() => client.SetGroup("g", new[] { -1 }), "a negative id");
            Assert.Throws<ArgumentOutOfRangeException>(() => client.Send((MessageMode)7, "x"), "mode 7");
        }

        static void ListenerErrors(TestContext t)
        {
            var a = t.Player("a", R("cs-throw"));
            var b = t.Player("b", R("cs-throw"));
            int seen = 0;
            b.MessageReceived += m => { seen += 1; throw new InvalidOperationException("game bug " + m.Payload); };
            a.Send(MessageMode.Others, "1");
            a.Send(MessageMode.Others, "2");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            InvalidOperationException thrown = null;
            while (seen < 2 && watch.ElapsedMilliseconds < 5000)
            {
                a.Pump();
                try { b.Pump(); }
                catch (InvalidOperationException error) { if (thrown == null) thrown = error; }
                System.Threading.Thread.Sleep(1);
            }
            Assert.Equal(2, seen, "both messages handled");
            Assert.True(thrown != null && thrown.Message.StartsWith("game bug"), "rethrown from Pump");
            Assert.Equal(ClientStatus.Open, b.Status, "the client goes on");
        }
    }
}
