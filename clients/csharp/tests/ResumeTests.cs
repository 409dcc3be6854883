using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using Roomwire;

namespace Roomwire.Tests
{
    /// <summary>Session resume (docs/protocol.md section 10) through a proxy that breaks connections with a reset.</summary>
    public static partial class ClientTests
    {
        static void ResumesAfterCut(TestContext t)
        {
            var proxy = t.Track(new TcpProxy(t.Port));
            var options = t.Reconnecting(proxy);
            options.MaxInboundLines = 16; // the reader lags, so the cut lands inside the burst
            var bot = t.Client(options);
            var seen = new Recorder(bot);
            bot.Connect();
            int id = t.Await(bot.Login("bot", "pw"));
            Assert.True(bot.SessionToken != null && bot.SessionToken.Length == 32, "a token: " + bot.SessionToken);
            t.Await(bot.Join(R("cs-resume")));
            t.Await(bot.BindUdp());
            var peer = t.Player("peer", R("cs-resume"));
            var atPeer = new Recorder(peer);
            bot.SetGroup("team", new[] { peer.SelfId });

            var expected = new List<string>();
            string padding = new string('p', 200);
            for (int i = 0; i < 300; i++)
            {
                expected.Add("m" + i + padding);
                peer.Send(i % 2 == 0 ? MessageMode.OthersOrdered : MessageMode.Others, expected[i]);
            }
            t.Until(() => seen.Messages.Count >= 20, "the first messages");
            proxy.Refusing = true;
            proxy.ResetAll();
            t.Until(() => seen.Closes.Count == 1, "the Closed event");
            Assert.True(seen.Closes[0].Reconnecting, "reconnecting");
            Assert.Equal(id, bot.SelfId, "its id kept while away");
            Assert.Equal(R("cs-resume"), bot.Room.Name, "its room kept while away");
            for (int i = 300; i < 310; i++)
            {
                expected.Add("m" + i);
                peer.Send(MessageMode.AllOrdered, expected[i]);
            }
            t.PumpFor(100);
            proxy.Refusing = false;
            t.Until(() => seen.Reconnects.Count == 1, "the Reconnected event");

            var back = seen.Reconnects[0];
            Assert.True(back.Resumed && back.ResumeRefusal == null, "resumed");
            Assert.Equal(id, back.ClientId, "the same id");
            Assert.Equal(R("cs-resume"), back.Room, "the same room");
            Assert.True(back.Replayed >= 10, "the messages sent while away are replayed: " + back.Replayed);
            Assert.Equal(ClientStatus.Open, bot.Status, "open");
            t.Until(() => seen.Messages.Count >= expected.Count, "every message");
            t.PumpFor(50);
            Assert.Sequence(expected, seen.Payloads(), "every message once, in order, across the cut");

            // The room saw nothing: no leave, no join, no master change; the order is the same.
            Assert.Equal(0, atPeer.Leaves.Count + atPeer.Joins.Count + atPeer.Masters.Count, "the peer saw no leave, join or master change");
            Assert.Sequence(new[] { id, peer.SelfId }, peer.Room.Members, "the peer's members");
            Assert.Equal(id, peer.Room.MasterId, "still master, for the peer");
            Assert.Equal(id, bot.Room.MasterId, "still master, for itself");

            // The group was kept by the server, and the new connection speaks as the same id.
            bot.SendGroup("team", "group after resume");
            t.Until(() => atPeer.HasMessage(id, "group after resume"), "a group message after the resume");
            t.Until(() => bot.UdpBound, "UDP bound again");
            t.Await(peer.BindUdp());
            t.Until(() =>
            {
                if (!atPeer.Messages.Exists(m => m.Unreliable)) bot.SendUnreliable(MessageMode.Others, "udp back");
                return atPeer.Messages.Exists(m => m.Unreliable && m.SenderId == id);
            }, "a datagram after the resume");
            Assert.Equal(1, seen.Closes.Count, "one Closed event");
            Assert.Equal(0, seen.OffThread + atPeer.OffThread, "events raised on another thread than Pump()'s");

            // A second cut resumes too: the count goes on across connections.
            long before = bot.LinesReceived;
            proxy.ResetAll();
            peer.Send(MessageMode.Others, "second away");
            t.Until(() => seen.Reconnects.Count == 2, "the second Reconnected event");
            Assert.True(seen.Reconnects[1].Resumed && seen.Reconnects[1].ClientId == id, "resumed again");
            t.Until(() => seen.HasMessage(peer.SelfId, "second away"), "the message of the second cut");
            Assert.True(bot.LinesReceived > before, "the count goes on: " + before + " then " + bot.LinesReceived);
            Assert.Equal(1, seen.Messages.FindAll(m => m.Payload == "second away").Count, "once");
        }

        static void FallsBackAfterTtl(TestContext t)
        {
            if (t.ShortTtlPort == 0) throw new AssertionException("no server with resumeTtlMs 400: set ROOMWIRE_SHORT_TTL_PORT");
            var proxy = t.Track(new TcpProxy(t.ShortTtlPort));
            var bot = t.Client(t.Reconnecting(proxy, t.ShortTtlPort));
            var seen = new Recorder(bot);
            bot.Connect();
            int id = t.Await(bot.Login("bot", "pw"));
            t.Await(bot.Join(R("cs-ttl"), "secret"));
            t.Await(bot.BindUdp());
            var peer = t.Player("peer", R("cs-ttl"), "secret", t.ShortTtlPort);
            var atPeer = new Recorder(peer);

            proxy.Refusing = true;
            proxy.ResetAll();
            t.Until(() => seen.Closes.Count == 1, "the Closed event");
            // Past resumeTtlMs the room sees today's leave and master hand-over.
            t.Until(() => atPeer.Leaves.Exists(l => l.ClientId == id), "the leave once resumeTtlMs passed");
            t.Until(() => peer.Room.MasterId == peer.SelfId, "the master role handed over");
            proxy.Refusing = false;
            t.Until(() => seen.Reconnects.Count == 1, "the Reconnected event");

            var back = seen.Reconnects[0];
            Assert.True(!back.Resumed, "not resumed");
            Assert.Code(ErrorCodes.ResumeFailed, back.ResumeRefusal, "why");
            Assert.True(back.ClientId != id && back.ClientId == bot.SelfId, "a new id");
            Assert.Equal(R("cs-ttl"), back.Room, "back in its room, with its password");
            Assert.True(bot.UdpBound, "UDP bound again");
            Assert.True(bot.SessionToken != null, "a new session to resume");
            t.Until(() => atPeer.Joins.Exists(j => j.ClientId == bot.SelfId), "the peer sees it join again");
            Assert.Sequence(new[] { peer.SelfId, bot.SelfId }, bot.Room.Members, "behind the peer now");
        }

        static void FallsBackOnWrongToken(TestContext t)
        {
            var proxy = t.Track(new TcpProxy(t.Port));
            var bot = t.Client(t.Reconnecting(proxy));
            var seen = new Recorder(bot);
            bot.Connect();
            int id = t.Await(bot.Login("bot", "pw"));
            t.Await(bot.Join(R("cs-token")));
            var peer = t.Player("peer", R("cs-token"));
            var atPeer = new Recorder(peer);
            var resumes = new List<string>();
            proxy.RewriteFromClient = text =>
            {
                var match = Regex.Match(text, "^6:(\\d+):[^:\n]*:");
                if (!match.Success) return text;
                resumes.Add(text);
                return "6:" + match.Groups[1].Value + ":" + new string('A', 32) + ":" + text.Substring(match.Length);
            };
            proxy.ResetAll();
            t.Until(() => seen.Reconnects.Count == 1, "the Reconnected event");

            Assert.Equal(1, resumes.Count, "one resume tried");
            Assert.True(resumes[0].StartsWith("6:" + id + ":" + "") && !resumes[0].Contains(new string('A', 32)), "the client's own token was sent");
            var back = seen.Reconnects[0];
            Assert.True(!back.Resumed, "not resumed");
            Assert.Code(ErrorCodes.ResumeFailed, back.ResumeRefusal, "why");
            Assert.True(back.ClientId != id, "a new id");
            Assert.Equal(R("cs-token"), back.Room, "back in its room");
            t.Until(() => atPeer.Joins.Exists(j => j.ClientId == back.ClientId), "the peer sees the new id join");
            Assert.Equal(ClientStatus.Open, bot.Status, "open");
        }
    }
}
