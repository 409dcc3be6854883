using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;

namespace Roomwire
{
    /// <summary>The connection side: Pump(), server lines to state and events, UDP bind, ping, reconnect.</summary>
    public sealed partial class RoomwireClient
    {
        TcpLink link;
        UdpLink udp;
        /// <summary>Counts connections: reports from a connection given up carry an old number and are ignored.</summary>
        int generation;
        Request connectRequest;
        /// <summary>What a reconnect restores: the last accepted login, the room (name, password), UDP.</summary>
        string[] login;
        string[] wantedRoom;
        bool wantUdp;
        /// <summary>A session a reconnect should resume: logged in by the game, resumed, or restored in full.</summary>
        bool resumable;
        /// <summary>A <c>6:</c> resume is awaiting its answer, which is not counted.</summary>
        bool resuming;
        /// <summary>The count last acknowledged with <c>6:&lt;received&gt;</c> (section 10).</summary>
        long linesAcked;
        /// <summary>Lines received between two acknowledgements.</summary>
        const long AckEveryLines = 128;
        RoomwireException resumeRefusal;
        /// <summary>A refusal that closes the connection, kept for the Closed event that follows.</summary>
        RoomwireException closeError;
        readonly List<Action> later = new List<Action>();
        Exception callbackError;
        bool pumping;

        int attempt;
        long nextAttemptAt;
        RoomwireException lastAttemptError;

        Request bindRequest;
        long bindNextAt;
        long bindDeadline;

        readonly Dictionary<string, KeyValuePair<Request<double>, long>> pings = new Dictionary<string, KeyValuePair<Request<double>, long>>();
        int pingSequence;
        long nextAutoPingAt;

        long Now { get { return clock.ElapsedMilliseconds; } }

        /// <summary>
        /// Handles everything that arrived since the last call and runs the client's timers (request
        /// timeouts, UDP bind retries, pings, reconnect attempts). Call it once a frame from the thread
        /// that uses the client: every event and callback runs inside it. If a listener throws, the
        /// rest is still handled and the first exception is rethrown at the end.
        /// </summary>
        public void Pump()
        {
            if (pumping) throw new InvalidOperationException("Pump() called from inside one of its own events");
            pumping = true;
            try
            {
                RunLater();
                foreach (var item in inbox.TakeAll())
                {
                    if (item.Generation == generation) Handle(item);
                    RunLater();
                }
                Tick(Now);
                RunLater();
            }
            finally
            {
                pumping = false;
            }
            var error = callbackError;
            callbackError = null;
            if (error != null) ExceptionDispatchInfo.Capture(error).Throw();
        }

        /// <summary>Sends <c>8:&lt;token&gt;</c>; the value is the round trip in milliseconds.</summary>
        public Request<double> Ping()
        {
            return StartPing(this);
        }

        /// <summary>Binds UDP to this client, repeating the bind datagram until the server answers.</summary>
        public Request BindUdp()
        {
            return StartBind(this);
        }

        void IRequestHost.Unhandled(RoomwireException error)
        {
            Raise(Error, error);
        }

        void IRequestHost.CallbackFailed(Exception error)
        {
            if (callbackError == null) callbackError = error;
        }

        void Later(Action action)
        {
            later.Add(action);
        }

        void RunLater()
        {
            while (later.Count > 0)
            {
                var actions = later.ToArray();
                later.Clear();
                foreach (var action in actions) action();
            }
        }

        void Raise<T>(Action<T> handlers, T value)
        {
            if (handlers == null) return;
            foreach (Action<T> handler in handlers.GetInvocationList())
            {
                try
                {
                    handler(value);
                }
                catch (Exception error)
                {
                    if (callbackError == null) callbackError = error;
                }
            }
        }

        void OpenLink()
        {
            generation += 1;
            link = new TcpLink(options, inbox, generation);
            link.Start();
        }

        void Handle(InboxItem item)
        {
            switch (item.Kind)
            {
                case InboxKind.Connected:
                    OnConnected();
                    break;
                case InboxKind.ConnectFailed:
                    link = null;
                    OnConnectFailed(RoomwireException.Client(ErrorCodes.ConnectFailed, "cannot connect to " + options.Host + ":" + options.Port + ": " + item.Error.Message, item.Error));
                    break;
                case InboxKind.Line:
                    if (Status == ClientStatus.Closed) break;
                    var line = ServerLine.Parse(item.Text, false);
                    // Counted as the server numbers them (section 10): from the first line after the
                    // login answer, across connections, without the resume answer.
                    if (line.Type == ServerLineType.LoggedIn) LinesReceived = linesAcked = 0;
                    else if (!(resuming && line.Type == ServerLineType.Resumed)) LinesReceived += 1;
                    OnLine(line);
                    Acknowledge();
                    break;
                case InboxKind.Datagram:
                    if (udp != null && Status != ClientStatus.Closed) OnDatagram(ServerLine.Parse(item.Text, true));
                    break;
                case InboxKind.Closed:
                    OnClosed(item.Error);
                    break;
            }
        }

        /// <summary>
        /// Every <see cref="AckEveryLines"/> lines of a resumable session, tells the server how many arrived, so that
        /// it keeps only the rest for a resume rather than its whole buffer. Skipped while a resume is answered, and
        /// when the send queue is full (the next one says more).
        /// </summary>
        void Acknowledge()
        {
            if (SessionToken == null || resuming || link == null || LinesReceived - linesAcked < AckEveryLines) return;
            linesAcked = LinesReceived;
            link.Send(Commands.Ack(LinesReceived));
        }

        void OnConnected()
        {
            nextAutoPingAt = Now + options.AutoPingIntervalMs;
            if (Status == ClientStatus.Connecting)
            {
                Status = ClientStatus.Open;
                requests.Open(Now);
                connectRequest.Complete(null);
            }
            else if (Status == ClientStatus.Reconnecting)
            {
                requests.Open(Now);
                Restore();
            }
        }

        void OnConnectFailed(RoomwireException error)
        {
            if (Status == ClientStatus.Reconnecting)
            {
                lastAttemptError = error;
                ScheduleAttempt();
                return;
            }
            Status = ClientStatus.Closed;
            requests.FailAll(error);
            connectRequest.Fail(error);
        }

        void OnLine(ServerLine line)
        {
            switch (line.Type)
            {
                case ServerLineType.Error:
                    OnRefusal(new RoomwireException(line.Code, line.Text, true));
                    return;
                case ServerLineType.LoggedIn:
                    SelfId = line.ClientId;
                    SessionToken = line.Code;
                    // A login during a reconnect makes a session worth resuming once it is restored in full.
                    resumable = Status == ClientStatus.Open && SessionToken != null;
                    break;
                case ServerLineType.Joined:
                    var joined = room.Joined(line.ClientId, line.Text, SelfId);
                    if (joined != null) Raise(Joined, joined);
                    break;
                case ServerLineType.Left:
                    var left = room.Left(line.ClientId, SelfId);
                    // Left by the server's doing too (a closed room): nothing to rejoin after a reconnect.
                    if (left != null && left.IsSelf) wantedRoom = null;
                    if (left != null) Raise(Left, left);
                    break;
                case ServerLineType.Master:
                    var master = room.Master(line.ClientId);
                    if (master != null) Raise(MasterChanged, master);
                    break;
                case ServerLineType.Message:
                    Raise(MessageReceived, new MessageEvent { SenderId = line.ClientId, Payload = line.Text, Unreliable = false });
                    break;
                case ServerLineType.Pong:
                    OnPong(line.Text);
                    return;
            }
            requests.Offer(line, Now);
        }

        void OnRefusal(RoomwireException error)
        {
            if (error.ClosesConnection) closeError = error;
            if (!requests.Refuse(error, Now)) Raise(Error, error);
        }

        void OnDatagram(ServerLine line)
        {
            if (line.Type == ServerLineType.UdpConnected)
            {
                if (bindRequest == null || line.ClientId != SelfId) return;
                UdpBound = true;
                wantUdp = true;
                var request = bindRequest;
                bindRequest = null;
                request.Complete(null);
            }
            else if (line.Type == ServerLineType.Message)
            {
                Raise(MessageReceived, new MessageEvent { SenderId = line.ClientId, Payload = line.Text, Unreliable = true });
            }
            else if (line.Type == ServerLineType.Error)
            {
                Raise(Error, new RoomwireException(line.Code, line.Text + " (UDP)", true));
            }
        }

        void OnClosed(Exception transportError)
        {
            var error = closeError;
            if (error == null && Status != ClientStatus.Closed)
            {
                string why = transportError == null ? "the server closed the connection" : transportError.Message;
                error = RoomwireException.Client(ErrorCodes.ConnectionClosed, why, transportError);
            }
            link = null;
            Forget(RoomwireException.Client(ErrorCodes.ConnectionClosed, "the connection closed", error));
            if (Status == ClientStatus.Reconnecting)
            {
                // A reconnect attempt that failed: the attempts go on, nobody is told.
                lastAttemptError = error;
                ScheduleAttempt();
                return;
            }
            bool reconnecting = Status == ClientStatus.Open && options.Reconnect != null
                && !ErrorCodes.EndsReconnect(error == null ? null : error.Code);
            if (!reconnecting) Status = ClientStatus.Closed;
            // Kept for a resume: id, room, groups and the count stay as they were until it is answered.
            if (!reconnecting || !resumable) EndSession();
            Raise(Closed, new CloseEvent { Error = error, Reconnecting = reconnecting });
            if (!reconnecting) return;
            Status = ClientStatus.Reconnecting;
            attempt = 0;
            ScheduleAttempt();
        }

        /// <summary>Drops everything that belonged to the connection; its requests fail with <paramref name="error"/>.</summary>
        void Forget(RoomwireException error)
        {
            closeError = null;
            resuming = false;
            if (udp != null) udp.Close();
            udp = null;
            UdpBound = false;
            var bind = bindRequest;
            bindRequest = null;
            if (bind != null) bind.Fail(error);
            var waiting = new List<KeyValuePair<Request<double>, long>>(pings.Values);
            pings.Clear();
            foreach (var ping in waiting) ping.Key.Fail(error);
            requests.FailAll(error);
        }

        /// <summary>Drops what belonged to the session: nothing is left to resume.</summary>
        void EndSession()
        {
            resumable = false;
            SelfId = -1;
            SessionToken = null;
            LinesReceived = linesAcked = 0;
            room.Clear();
            groups.Clear();
        }

        void Tick(long now)
        {
            if (requests.TimedOut(now) && link != null)
            {
                // After a lost answer the client can no longer tell which line answers what.
                var error = RoomwireException.Client(ErrorCodes.Timeout, "no answer from the server in " + options.RequestTimeoutMs + " ms");
                closeError = error;
                link.Abort(true); // presumed broken: the server keeps the session for a resume
                requests.FailAll(error);
            }
            if (bindRequest != null) TickBind(now);
            if (pings.Count > 0) TickPings(now);
            if (options.AutoPingIntervalMs > 0 && Status == ClientStatus.Open && SelfId >= 0 && now >= nextAutoPingAt)
            {
                nextAutoPingAt = now + options.AutoPingIntervalMs;
                StartPing(null).Catch(ignored => { });
            }
            if (Status == ClientStatus.Reconnecting && link == null && now >= nextAttemptAt) OpenLink();
        }
    }
}
