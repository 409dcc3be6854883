using System;
using System.Collections.Generic;

namespace Roomwire
{
    /// <summary>UDP bind, ping, and reconnect: a session resume, or the restore of login, UDP and room.</summary>
    public sealed partial class RoomwireClient
    {
        /// <summary>A request for the caller (host: this client) or for the client itself (host: null).</summary>
        Request StartBind(IRequestHost host)
        {
            if (bindRequest != null) return bindRequest;
            var request = new Request(host);
            if (UdpBound)
            {
                request.Complete(null);
                return request;
            }
            if (link == null || link.RemoteAddress == null || SelfId < 0)
            {
                string code = link == null ? ErrorCodes.NotConnected : ErrorCodes.NotLoggedIn;
                var error = RoomwireException.Client(code, "BindUdp() needs a logged-in connection");
                Later(() => request.Fail(error));
                return request;
            }
            if (udp == null) udp = new UdpLink(link.RemoteAddress, options.UdpPort > 0 ? options.UdpPort : options.Port, inbox, generation);
            bindRequest = request;
            long now = Now;
            bindDeadline = now + options.UdpBindTimeoutMs;
            bindNextAt = now;
            TickBind(now);
            return request;
        }

        /// <summary>Datagrams get lost: the bind is repeated every UdpRetryMs until answered (docs/protocol.md section 6).</summary>
        void TickBind(long now)
        {
            if (now >= bindDeadline)
            {
                var request = bindRequest;
                bindRequest = null;
                request.Fail(RoomwireException.Client(ErrorCodes.Timeout, "no answer to the UDP bind in " + options.UdpBindTimeoutMs + " ms"));
                return;
            }
            if (now < bindNextAt) return;
            bindNextAt = now + options.UdpRetryMs;
            udp.Send(Commands.UdpBind(SelfId));
        }

        Request<double> StartPing(IRequestHost host)
        {
            var request = new Request<double>(host);
            if (link == null || SelfId < 0)
            {
                var error = RoomwireException.Client(link == null ? ErrorCodes.NotConnected : ErrorCodes.NotLoggedIn, "Ping() needs a logged-in connection");
                Later(() => request.Fail(error));
                return request;
            }
            pingSequence += 1;
            string token = "p" + pingSequence;
            if (!link.Send(Commands.Ping(token)))
            {
                var full = RoomwireException.Client(ErrorCodes.SendQueueFull, "the send queue is full");
                Later(() => request.Fail(full));
                return request;
            }
            pings[token] = new KeyValuePair<Request<double>, long>(request, Now);
            return request;
        }

        void OnPong(string token)
        {
            KeyValuePair<Request<double>, long> ping;
            if (!pings.TryGetValue(token, out ping)) return;
            pings.Remove(token);
            LastRoundTripMs = Now - ping.Value;
            ping.Key.Complete(LastRoundTripMs);
        }

        void TickPings(long now)
        {
            var late = new List<string>();
            foreach (var ping in pings) if (now - ping.Value.Value >= options.RequestTimeoutMs) late.Add(ping.Key);
            foreach (string token in late)
            {
                var request = pings[token].Key;
                pings.Remove(token);
                request.Fail(RoomwireException.Client(ErrorCodes.Timeout, "no answer to the ping in " + options.RequestTimeoutMs + " ms"));
            }
        }

        /// <summary>The next attempt after a growing, jittered delay, or the end when attempts ran out.</summary>
        void ScheduleAttempt()
        {
            var settings = options.Reconnect;
            attempt += 1;
            if (attempt > settings.MaxAttempts) { GiveUp(lastAttemptError); return; }
            double full = Math.Min(settings.MaxDelayMs, settings.InitialDelayMs * Math.Pow(settings.Factor, attempt - 1));
            // Spread between half and all of it, so that clients dropped by one restart do not all return at once.
            nextAttemptAt = Now + (long)Math.Round(full / 2 + full / 2 * random.NextDouble());
        }

        void GiveUp(RoomwireException error)
        {
            Status = ClientStatus.Closed;
            EndSession();
            Raise(Closed, new CloseEvent { Error = error, Reconnecting = false });
        }

        /// <summary>
        /// One reconnect attempt's work once connected: resume the session when the server gave it a
        /// token (docs/protocol.md section 10); otherwise, or when the resume is refused, log in with
        /// the last accepted credentials, bind UDP if it was bound, rejoin the room with its password.
        /// </summary>
        void Restore()
        {
            int restoring = generation;
            // Not when the connection is already gone: OnClosed schedules the next attempt then.
            Action<RoomwireException> failed = error => { if (generation == restoring && link != null) AttemptFailed(error); };
            if (resumable) Resume(restoring, failed);
            else LogInAgain(restoring, failed);
        }

        void Resume(int restoring, Action<RoomwireException> failed)
        {
            int id = SelfId;
            resuming = true;
            var resume = Ask<long>(null, Commands.Resume(id, SessionToken, LinesReceived), (line, entry) =>
            {
                if (line.Type != ServerLineType.Resumed || line.ClientId != id) return false;
                resuming = false;
                entry.Value = line.Count;
                return true;
            }, null);
            resume.Catch(error =>
            {
                resuming = false;
                if (generation != restoring || link == null) return;
                // Refused (resume_failed, resume_gap...): the connection stays open for a fresh login.
                if (!error.FromServer || error.ClosesConnection) { failed(error); return; }
                resumeRefusal = error;
                LogInAgain(restoring, failed);
            }).Then(missed =>
            {
                // The same client again: the lines replayed follow this event, handled like any others.
                Status = ClientStatus.Open;
                attempt = 0;
                Raise(Reconnected, new ReconnectedEvent { ClientId = SelfId, Room = room.Name, Resumed = true, Replayed = missed });
                if (wantUdp) StartBind(null).Catch(error => { if (generation == restoring) Raise(Error, error); });
            });
        }

        void LogInAgain(int restoring, Action<RoomwireException> failed)
        {
            EndSession();
            if (login == null) { Restored(); return; }
            var loginRequest = LoginRequest(login[0], login[1], null);
            loginRequest.Catch(failed).Then(id =>
            {
                if (!wantUdp) { Rejoin(restoring, failed); return; }
                StartBind(null).Catch(failed).Finally(bind => { if (bind.Succeeded) Rejoin(restoring, failed); });
            });
        }

        void Rejoin(int restoring, Action<RoomwireException> failed)
        {
            var target = wantedRoom;
            if (target == null) { Restored(); return; }
            var joinRequest = JoinRequest(target[0], target[1], null);
            joinRequest.Catch(failed).Then(view => { if (generation == restoring) Restored(); });
        }

        void Restored()
        {
            Status = ClientStatus.Open;
            attempt = 0;
            resumable = SessionToken != null;
            var refusal = resumeRefusal;
            resumeRefusal = null;
            Raise(Reconnected, new ReconnectedEvent { ClientId = SelfId, Room = room.Name, ResumeRefusal = refusal });
        }

        /// <summary>Gives the attempt's connection up; a refused login or a final code ends the attempts.</summary>
        void AttemptFailed(RoomwireException error)
        {
            var failedLink = link;
            generation += 1; // its Closed report is not heard
            link = null;
            Forget(RoomwireException.Client(ErrorCodes.ConnectionClosed, "the reconnect attempt failed", error));
            if (failedLink != null) failedLink.Abort();
            lastAttemptError = error;
            if (error.Code == ErrorCodes.AuthFailed || ErrorCodes.EndsReconnect(error.Code)) GiveUp(error);
            else ScheduleAttempt();
        }
    }
}
