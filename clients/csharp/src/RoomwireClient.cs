using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace Roomwire
{
    /// <summary>
    /// A Roomwire (VelNet text protocol) client over TCP and UDP, for Unity and .NET.
    ///
    /// Threading rule: call every member from one thread (Unity's main thread), and call
    /// <see cref="Pump"/> on it regularly (once a frame). Sockets are read and written on threads
    /// of their own, but every event, every request callback and every state change happens
    /// inside Pump(), on your thread, never on a socket thread.
    /// </summary>
    public sealed partial class RoomwireClient : IRequestHost, IDisposable
    {
        readonly RoomwireClientOptions options;
        readonly Stopwatch clock = Stopwatch.StartNew();
        readonly Random random = new Random();
        readonly Inbox inbox;
        readonly RequestQueue requests = new RequestQueue();
        readonly RoomTracker room = new RoomTracker();
        /// <summary>The groups this connection defined, so that an unknown one is refused before sending.</summary>
        readonly HashSet<string> groups = new HashSet<string>();

        public RoomwireClient(RoomwireClientOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            if (options.MaxQueuedBytes < 1) throw new ArgumentOutOfRangeException("options", "MaxQueuedBytes is at least 1");
            this.options = options;
            inbox = new Inbox(options.MaxInboundLines);
            requests.TimeoutMs = options.RequestTimeoutMs;
            requests.Send = line => link != null && link.Send(line);
            Status = ClientStatus.Idle;
            SelfId = -1;
        }

        public RoomwireClient(string host, int port) : this(new RoomwireClientOptions { Host = host, Port = port }) { }

        /// <summary>A client joined the room you are in (you too, <see cref="MemberEvent.IsSelf"/>).</summary>
        public event Action<MemberEvent> Joined;
        /// <summary>A client left the room you are in (you too, when you leave).</summary>
        public event Action<MemberEvent> Left;
        /// <summary>The room's master is known (after your join) or changed.</summary>
        public event Action<MasterEvent> MasterChanged;
        public event Action<MessageEvent> MessageReceived;
        /// <summary>A refusal that no request took (of a send, say), or a request failure without a Catch.</summary>
        public event Action<RoomwireException> Error;
        /// <summary>The connection ended; <see cref="CloseEvent.Reconnecting"/> when the client is getting it back.</summary>
        public event Action<CloseEvent> Closed;
        /// <summary>Back after a lost connection: the session resumed, or logged in again, UDP bound again if it was, back in the room.</summary>
        public event Action<ReconnectedEvent> Reconnected;

        public ClientStatus Status { get; private set; }

        /// <summary>Your client id once logged in, -1 before.</summary>
        public int SelfId { get; private set; }

        /// <summary>
        /// The token of the login answer (<c>0:&lt;id&gt;:&lt;token&gt;</c>), null when the server sent
        /// none (resume off): a reconnect resumes the session with it (docs/protocol.md section 10).
        /// </summary>
        public string SessionToken { get; private set; }

        /// <summary>
        /// Server lines received since the login answer, across the connections of one session (the
        /// resume answer is not counted): what a resume reports, so that the server replays the rest.
        /// </summary>
        public long LinesReceived { get; private set; }

        /// <summary>The room you are in, its members and master; null when in none.</summary>
        public RoomView Room { get { return room.Listing ? null : room.Snapshot(); } }

        public bool UdpBound { get; private set; }

        /// <summary>Bytes queued for TCP and not yet written: a game can slow down before sends throw.</summary>
        public int QueuedBytes { get { return link == null ? 0 : link.QueuedBytes; } }

        /// <summary>The last ping's round trip in milliseconds, -1 before the first answer.</summary>
        public double LastRoundTripMs { get; private set; }

        /// <summary>Opens the connection; requests made meanwhile wait for it.</summary>
        public Request Connect()
        {
            if (Status != ClientStatus.Idle && Status != ClientStatus.Closed)
            {
                throw new InvalidOperationException("Connect() while " + Status);
            }
            Status = ClientStatus.Connecting;
            login = null;
            wantedRoom = null;
            wantUdp = false;
            connectRequest = new Request(this);
            OpenLink();
            return connectRequest;
        }

        /// <summary>Logs in (<c>0:username:password</c>); the value is your client id.</summary>
        public Request<int> Login(string username, string password = "")
        {
            Commands.CheckUsername(username);
            Commands.CheckLoginPassword(password);
            return LoginRequest(username, password, this);
        }

        /// <summary>The public rooms, and the private ones whose password is given.</summary>
        public Request<IList<RoomInfo>> ListRooms(string password = "")
        {
            Commands.CheckLine("password", password);
            return Ask<IList<RoomInfo>>(this, Commands.ListRooms(password), (line, entry) =>
            {
                if (line.Type != ServerLineType.RoomList) return false;
                entry.Value = line.Rooms.AsReadOnly();
                return true;
            }, null);
        }

        /// <summary>Joins (or creates) a room, leaving the current one; done once the master is known.</summary>
        public Request<RoomView> Join(string roomName, string password = "")
        {
            Commands.CheckRoom(roomName);
            Commands.CheckLine("password", password);
            return JoinRequest(roomName, password, this);
        }

        /// <summary>Leaves the current room.</summary>
        public Request Leave()
        {
            return Ask<bool>(this, Commands.Leave, (line, entry) =>
            {
                if (line.Type != ServerLineType.Left || line.ClientId != SelfId) return false;
                wantedRoom = null;
                entry.Value = true;
                return true;
            }, null);
        }

        /// <summary>Relays <paramref name="payload"/> to your room over TCP.</summary>
        public void Send(MessageMode mode, string payload)
        {
            Commands.CheckMode(mode);
            Commands.CheckLine("payload", payload);
            RequireRoom();
            SendLine(Commands.Message(mode, payload));
        }

        /// <summary>Relays <paramref name="payload"/> to the clients of one of your groups, over TCP.</summary>
        public void SendGroup(string group, string payload)
        {
            Commands.CheckGroup(group);
            Commands.CheckLine("payload", payload);
            RequireGroup(group);
            SendLine(Commands.GroupMessage(group, payload));
        }

        /// <summary>Defines (or replaces) one of your groups; no ids deletes it. The server does not answer.</summary>
        public void SetGroup(string group, IList<int> clientIds)
        {
            Commands.CheckGroup(group);
            Commands.CheckIds(clientIds);
            RequireLoggedIn();
            SendLine(Commands.SetGroup(group, clientIds));
            if (clientIds.Count == 0) groups.Remove(group);
            else groups.Add(group);
        }

        /// <summary>Like <see cref="Send"/>, over UDP: may be lost or reordered; needs <see cref="BindUdp"/> first.</summary>
        public void SendUnreliable(MessageMode mode, string payload)
        {
            Commands.CheckMode(mode);
            Commands.CheckLine("payload", payload);
            RequireRoom();
            RequireUdp();
            udp.Send(Commands.UdpMessage(SelfId, mode, payload));
        }

        /// <summary>Like <see cref="SendGroup"/>, over UDP.</summary>
        public void SendGroupUnreliable(string group, string payload)
        {
            Commands.CheckGroup(group);
            Commands.CheckLine("payload", payload);
            RequireGroup(group);
            RequireUdp();
            udp.Send(Commands.UdpGroupMessage(SelfId, group, payload));
        }

        /// <summary>Closes for good (no reconnect); <see cref="Closed"/> follows in a later Pump().</summary>
        public void Close()
        {
            var was = Status;
            if (was == ClientStatus.Idle || was == ClientStatus.Closed) return;
            Status = ClientStatus.Closed;
            if (link != null && was != ClientStatus.Connecting)
            {
                link.Close(); // what is queued is written first; OnClosed reports the end
                return;
            }
            // Connecting, or waiting between reconnect attempts: nothing open to close gracefully.
            if (link != null) link.Abort();
            link = null;
            generation += 1; // the given-up connection is not heard
            EndSession(); // a session away on the server ends there after resumeTtlMs
            var closed = RoomwireException.Client(ErrorCodes.NotConnected, "closed while connecting");
            Later(() =>
            {
                requests.FailAll(closed);
                if (connectRequest != null) connectRequest.Fail(closed);
                Raise(Closed, new CloseEvent { Error = null, Reconnecting = false });
            });
        }

        public void Dispose()
        {
            Close();
        }

        /// <summary>
        /// Queues a request for the caller (<paramref name="host"/> is this client) or for the client's
        /// own reconnect (null host: no Error event, and allowed while reconnecting).
        /// </summary>
        Request<T> Ask<T>(IRequestHost host, string line, Func<ServerLine, RequestQueue.Entry, bool> answers, Func<object> shortcut)
        {
            var request = new Request<T>(host);
            if (host != null && Status != ClientStatus.Open && Status != ClientStatus.Connecting)
            {
                var error = RoomwireException.Client(ErrorCodes.NotConnected, "not connected (" + Status + ")");
                Later(() => request.Fail(error));
                return request;
            }
            requests.Add(new RequestQueue.Entry { Line = line, Request = request, Answers = answers, Shortcut = shortcut }, Now);
            return request;
        }

        Request<int> LoginRequest(string username, string password, IRequestHost host)
        {
            var credentials = new[] { username, password };
            return Ask<int>(host, Commands.Login(username, password), (line, entry) =>
            {
                if (line.Type != ServerLineType.LoggedIn) return false;
                entry.Value = line.ClientId;
                login = credentials;
                return true;
            }, null);
        }

        Request<RoomView> JoinRequest(string roomName, string password, IRequestHost host)
        {
            return Ask<RoomView>(host, Commands.Join(roomName, password), (line, entry) =>
            {
                if (line.Type != ServerLineType.Master) return false;
                entry.Value = JoinedView(roomName, password);
                return entry.Value != null;
            }, () => JoinedView(roomName, password));
        }

        RoomView JoinedView(string roomName, string password)
        {
            if (room.Name != roomName || room.Listing) return null;
            wantedRoom = new[] { roomName, password };
            return room.Snapshot();
        }

        void SendLine(string line)
        {
            if (!link.Send(line)) throw RoomwireException.Client(ErrorCodes.SendQueueFull, "the send queue is full (" + options.MaxQueuedBytes + " bytes)");
        }

        void RequireLoggedIn()
        {
            if (Status != ClientStatus.Open || link == null) throw RoomwireException.Client(ErrorCodes.NotConnected, "not connected (" + Status + ")");
            if (SelfId < 0) throw RoomwireException.Client(ErrorCodes.NotLoggedIn, "log in first");
        }

        void RequireRoom()
        {
            RequireLoggedIn();
            if (!room.InRoom) throw RoomwireException.Client(ErrorCodes.NotInRoom, "join a room first");
        }

        void RequireGroup(string group)
        {
            RequireLoggedIn();
            if (!groups.Contains(group)) throw RoomwireException.Client(ErrorCodes.UnknownGroup, "no group " + group + ": define it with SetGroup()");
        }

        void RequireUdp()
        {
            if (!UdpBound) throw RoomwireException.Client(ErrorCodes.UdpNotBound, "UDP is not bound: call BindUdp() first");
        }
    }
}
