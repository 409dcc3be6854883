using System;
using System.Collections.Generic;
using Roomwire;

namespace Roomwire.Tests
{
    /// <summary>The C# client against a running Roomwire server (started by the Node test, port 0).</summary>
    public static class ClientTests
    {
        public static readonly KeyValuePair<string, Action<TestContext>>[] All =
        {
            Test("logs in, lists rooms, joins and leaves, with events for the others", LogsInJoinsAndLeaves),
            Test("runs Connect, Login and Join one after the other without waiting in between", Pipelines),
            Test("refuses a wrong room password with the server's code, and lists private rooms with theirs", RoomPasswords),
            Test("fails a refused login with auth_failed, and sends an unhandled failure to Error", LoginRefused),
            Test("relays messages in every mode: others and all, unordered and ordered", Modes),
            Test("relays to groups, refuses an unknown group before sending, and deletes groups", Groups),
            Test("hands the master role to the oldest member when the master leaves", MasterChanges),
            Test("binds UDP and sends unreliable messages to the room and to groups, not before the bind", Udp),
            Test("repeats the UDP bind until it is answered", UdpBindRetry),
            Test("answers a ping with its round trip, and pings by itself when asked to", Ping),
            Test("raises the server's refusal of a send as a typed Error event", RefusalEvents),
            Test("reconnects after a lost connection: logged in, UDP bound and back in its room", Reconnects),
            Test("stops reconnecting after too_many_auth_failures", FinalCodes),
            Test("refuses sends beyond the bounded send queue when the server stops reading", BoundedSendQueue),
            Test("stops reading while not pumped, and loses nothing", BoundedInbox),
            Test("reads a login answer with a token and extra fields, and ignores unknown lines", ExtraFields),
            Test("closes for good: a Closed event, then requests fail with not_connected", Closes),
            Test("fails Connect with connect_failed when nothing listens", ConnectFails),
            Test("gives a connection up when a request gets no answer in time", RequestTimeout),
            Test("closes while connecting: the waiting requests fail, one Closed event", CloseWhileConnecting),
            Test("throws ArgumentException for fields the server would misread", ArgumentChecks),
            Test("keeps handling events when a listener throws, and rethrows from Pump", ListenerErrors),
        };

        /// <summary>Room names of this run, so that runs sharing a server do not meet.</summary>
        static readonly string RunTag = Guid.NewGuid().ToString("N").Substring(0, 8);

        static string R(string name)
        {
            return name + "-" + RunTag;
        }

        static bool Listed(IList<RoomInfo> rooms, string name, int members)
        {
            return new List<RoomInfo>(rooms).Exists(r => r.Name == name && (members < 0 || r.MemberCount == members));
        }

        static KeyValuePair<string, Action<TestContext>> Test(string name, Action<TestContext> run)
        {
            return new KeyValuePair<string, Action<TestContext>>(name, run);
        }

        static void LogsInJoinsAndLeaves(TestContext t)
        {
            var alice = t.Client();
            t.Await(alice.Connect());
            Assert.Equal(ClientStatus.Open, alice.Status, "status");
            int aliceId = t.Await(alice.Login("alice", "pw"));
            Assert.Equal(aliceId, alice.SelfId, "SelfId");
            var view = t.Await(alice.Join(R("cs-tour")));
            Assert.Equal(R("cs-tour"), view.Name, "room");
            Assert.Sequence(new[] { aliceId }, view.Members, "members");
            Assert.Equal(aliceId, view.MasterId, "master");
            var aliceSees = new Recorder(alice);

            var bob = t.Player("bob");
            var bobSees = new Recorder(bob);
            var rooms = t.Await(bob.ListRooms());
            Assert.True(Listed(rooms, R("cs-tour"), 1), "room list: " + string.Join(",", rooms));
            var bobView = t.Await(bob.Join(R("cs-tour")));
            Assert.Sequence(new[] { aliceId, bob.SelfId }, bobView.Members, "bob's view");
            Assert.Equal(aliceId, bobView.MasterId, "bob's master");
            Assert.True(bobSees.Joins.Exists(j => j.ClientId == aliceId && j.Existing && !j.IsSelf), "bob sees alice as existing");
            t.Until(() => aliceSees.Joins.Count == 1, "alice sees bob join");
            Assert.Equal(bob.SelfId, aliceSees.Joins[0].ClientId, "joiner");
            Assert.True(!aliceSees.Joins[0].Existing && !aliceSees.Joins[0].IsSelf, "a new joiner");

            int bobId = bob.SelfId;
            t.Await(bob.Leave());
            Assert.True(bob.Room == null, "bob is in no room");
            Assert.True(bobSees.Leaves.Exists(l => l.IsSelf), "bob sees his own leave");
            t.Until(() => aliceSees.Leaves.Count == 1, "alice sees bob leave");
            Assert.Equal(bobId, aliceSees.Leaves[0].ClientId, "leaver");
            Assert.Sequence(new[] { aliceId }, alice.Room.Members, "alice's members");
            t.Await(alice.Leave());
            Assert.True(!Listed(t.Await(bob.ListRooms()), R("cs-tour"), -1), "empty rooms are gone");
        }

        static void Pipelines(TestContext t)
        {
            var client = t.Client();
            client.Connect();
            var login = client.Login("quick");
            var join = client.Join(R("cs-quick"));
            var view = t.Await(join);
            Assert.True(login.Succeeded, "login done first");
            Assert.Equal(login.Value, view.MasterId, "alone, so master");
            Assert.Equal(R("cs-quick"), client.Room.Name, "Room");
            // Joining the room you are in: the server says nothing, the client answers itself.
            Assert.Equal(R("cs-quick"), t.Await(client.Join(R("cs-quick"))).Name, "join again");
        }

        static void RoomPasswords(TestContext t)
        {
            var owner = t.Player("owner", R("cs-vault"), "sesame");
            var guest = t.Player("guest");
            var refusal = t.Refused(guest.Join(R("cs-vault"), "wrong"));
            Assert.Code(ErrorCodes.WrongRoomPassword, refusal, "wrong password");
            Assert.True(refusal.FromServer, "a server refusal");
            Assert.True(guest.Room == null, "still in no room");
            Assert.True(!Listed(t.Await(guest.ListRooms()), R("cs-vault"), -1), "private rooms are not listed");
            Assert.True(Listed(t.Await(guest.ListRooms("sesame")), R("cs-vault"), 1), "listed with its password");
            var view = t.Await(guest.Join(R("cs-vault"), "sesame"));
            Assert.Sequence(new[] { owner.SelfId, guest.SelfId }, view.Members, "members");
        }

        static void LoginRefused(TestContext t)
        {
            var client = t.Client();
            client.Connect();
            var errors = new Recorder(client).Errors;
            Assert.Code(ErrorCodes.AuthFailed, t.Refused(client.Login("mallory", "wrong")), "refused");
            Assert.Equal(-1, client.SelfId, "not logged in");
            client.Login("mallory", "wrong"); // no Catch: the failure goes to Error
            t.Until(() => errors.Count == 1, "an Error event");
            Assert.Code(ErrorCodes.AuthFailed, errors[0], "Error event");
            Assert.True(t.Await(client.Login("mallory", "right")) > 0, "a later login works");
        }

        static void Modes(TestContext t)
        {
            var a = t.Player("a", R("cs-modes"));
            var b = t.Player("b", R("cs-modes"));
            var atA = new Recorder(a);
            var atB = new Recorder(b);
            a.Send(MessageMode.Others, "m0: with a colon");
            a.Send(MessageMode.All, "m1");
            a.Send(MessageMode.OthersOrdered, "m2");
            a.Send(MessageMode.AllOrdered, "m3");
            t.Until(() => atB.Messages.Count == 4 && atA.Messages.Count == 2, "the messages");
            Assert.Sequence(new[] { "m0: with a colon", "m1", "m2", "m3" }, atB.Payloads(), "b gets every mode in order");
            Assert.Sequence(new[] { "m1", "m3" }, atA.Payloads(), "a gets the modes that include it");
            Assert.True(atB.Messages.TrueForAll(m => m.SenderId == a.SelfId && !m.Unreliable), "sender and transport");
            Assert.Equal(0, atA.OffThread + atB.OffThread, "events raised on another thread than Pump()'s");
        }

        static void Groups(TestContext t)
        {
            var a = t.Player("a", R("cs-groups-1"));
            var b = t.Player("b", R("cs-groups-2"));
            var c = t.Player("c", R("cs-groups-2"));
            var atB = new Recorder(b);
            var atC = new Recorder(c);
            var unknown = Assert.Throws<RoomwireException>(() => a.SendGroup("team", "x"), "unknown group");
            Assert.Code(ErrorCodes.UnknownGroup, unknown, "code");
            a.SetGroup("team", new[] { b.SelfId });
            a.SendGroup("team", "only b");
            t.Until(() => atB.Messages.Count == 1, "b gets the group message across rooms");
            Assert.True(atB.HasMessage(a.SelfId, "only b"), "from a");
            t.PumpFor(50);
            Assert.Equal(0, atC.Messages.Count, "c is not in the group");
            a.SetGroup("team", new int[0]);
            Assert.Throws<RoomwireException>(() => a.SendGroup("team", "x"), "deleted group");
        }

        static void MasterChanges(TestContext t)
        {
            var first = t.Player("first", R("cs-master"));
            var second = t.Player("second", R("cs-master"));
            var third = t.Player("third", R("cs-master"));
            Assert.Equal(first.SelfId, third.Room.MasterId, "the first member is master");
            var atSecond = new Recorder(second);
            var atThird = new Recorder(third);
            first.Close();
            t.Until(() => atSecond.Masters.Count == 1 && atThird.Masters.Count == 1, "the new master");
            Assert.Equal(second.SelfId, atThird.Masters[0].MasterId, "the oldest remaining member");
            Assert.Equal(second.SelfId, second.Room.MasterId, "second knows it is master");
            Assert.Sequence(new[] { second.SelfId, third.SelfId }, third.Room.Members, "members");
        }

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
            var options = t.Options();
            options.Port = proxy.Port;
            options.UdpPort = t.Port;
            options.Reconnect = new ReconnectOptions { InitialDelayMs = 20, MaxDelayMs = 100 };
            var bot = t.Client(options);
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
