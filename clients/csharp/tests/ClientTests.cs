using System;
using System.Collections.Generic;
using Roomwire;

namespace Roomwire.Tests
{
    /// <summary>The C# client against a running Roomwire server (started by the Node test, port 0).</summary>
    public static partial class ClientTests
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
            Test("reconnects after a closed connection: resume refused, logged in afresh, UDP bound and back in its room", Reconnects),
            Test("resumes after a reset: same id, room, master and groups, missed lines once and in order, no leave seen", ResumesAfterCut),
            Test("falls back to a fresh login and its room when the session ended (resumeTtlMs passed)", FallsBackAfterTtl),
            Test("falls back to a fresh login when the server refuses the token", FallsBackOnWrongToken),
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
    }
}
