using System.Collections.Generic;

namespace Roomwire
{
    /// <summary><c>Idle</c> before Connect(), <c>Open</c> when usable, <c>Closed</c> after Close() or giving up.</summary>
    public enum ClientStatus
    {
        Idle,
        Connecting,
        Open,
        Reconnecting,
        Closed,
    }

    /// <summary>A room as listed by <see cref="RoomwireClient.ListRooms"/>.</summary>
    public sealed class RoomInfo
    {
        public RoomInfo(string name, int memberCount)
        {
            Name = name;
            MemberCount = memberCount;
        }

        public string Name { get; private set; }
        public int MemberCount { get; private set; }

        public override string ToString()
        {
            return Name + "-" + MemberCount;
        }
    }

    /// <summary>The room you are in: its members (the one present longest first) and its master.</summary>
    public sealed class RoomView
    {
        internal RoomView(string name, List<int> members, int masterId)
        {
            Name = name;
            Members = members.AsReadOnly();
            MasterId = masterId;
        }

        public string Name { get; private set; }
        public IList<int> Members { get; private set; }
        /// <summary>-1 only while the join's answer is still arriving.</summary>
        public int MasterId { get; private set; }
    }

    /// <summary>A client joined (<see cref="RoomwireClient.Joined"/>) or left (<see cref="RoomwireClient.Left"/>) your room.</summary>
    public sealed class MemberEvent
    {
        public int ClientId;
        public string Room;
        /// <summary>True when it is you.</summary>
        public bool IsSelf;
        /// <summary>True for a member that was there before you joined (listed by your join's answer).</summary>
        public bool Existing;
    }

    public sealed class MasterEvent
    {
        public int MasterId;
        public string Room;
    }

    public sealed class MessageEvent
    {
        public int SenderId;
        public string Payload;
        /// <summary>True when it came over UDP.</summary>
        public bool Unreliable;
    }

    public sealed class CloseEvent
    {
        /// <summary>Why: the server's closing refusal, or a <see cref="ErrorCodes.ConnectionClosed"/>; null after Close().</summary>
        public RoomwireException Error;
        /// <summary>True when the client is trying to get the connection back.</summary>
        public bool Reconnecting;
    }

    /// <summary>
    /// Back after a lost connection: either the session resumed (<see cref="Resumed"/>: same id,
    /// same room, groups kept, <see cref="Replayed"/> missed lines follow) or a fresh login with the
    /// room rejoined (<see cref="ResumeRefusal"/> says why the resume was refused, if one was tried).
    /// </summary>
    public sealed class ReconnectedEvent
    {
        /// <summary>Your client id: the same as before when <see cref="Resumed"/>, a new one otherwise.</summary>
        public int ClientId;
        /// <summary>The room you are back in, or null.</summary>
        public string Room;
        /// <summary>True when the server took the session back (docs/protocol.md section 10).</summary>
        public bool Resumed;
        /// <summary>How many lines the server replays after the resume; they are handled after this event.</summary>
        public long Replayed;
        /// <summary>The server's refusal of the resume (<c>resume_failed</c>, <c>resume_gap</c>...), null when none was refused.</summary>
        public RoomwireException ResumeRefusal;
    }

    /// <summary>How the client reconnects after a lost connection (the TypeScript client's defaults).</summary>
    public sealed class ReconnectOptions
    {
        public int InitialDelayMs = 250;
        public int MaxDelayMs = 5000;
        public double Factor = 2;
        public int MaxAttempts = int.MaxValue;
    }

    /// <summary>Options of <see cref="RoomwireClient"/>; every field has a default.</summary>
    public sealed class RoomwireClientOptions
    {
        public string Host = "127.0.0.1";
        /// <summary>The server's TCP port; its UDP port has the same number unless <see cref="UdpPort"/> is set.</summary>
        public int Port = 5000;
        public int UdpPort;
        /// <summary>Null: no reconnect. Set it to reconnect: resume the session, or log in again, bind UDP again and rejoin the room.</summary>
        public ReconnectOptions Reconnect;
        public int ConnectTimeoutMs = 10000;
        /// <summary>How long a request may wait for its answer before the connection is given up.</summary>
        public int RequestTimeoutMs = 10000;
        /// <summary>How often the UDP bind is repeated, and for how long, until it is answered.</summary>
        public int UdpRetryMs = 200;
        public int UdpBindTimeoutMs = 5000;
        /// <summary>Sends <c>8:</c> this often when above 0, which also keeps the server's idle timeout away.</summary>
        public int AutoPingIntervalMs;
        /// <summary>Bytes waiting to be written to TCP; a send beyond it throws <see cref="ErrorCodes.SendQueueFull"/>.</summary>
        public int MaxQueuedBytes = 1024 * 1024;
        /// <summary>Lines read but not yet pumped; the reader stops reading beyond it, until Pump() catches up.</summary>
        public int MaxInboundLines = 10000;
        /// <summary>The longest server line accepted; a longer one closes the connection.</summary>
        public int MaxLineBytes = 16 * 1024 * 1024;
    }
}
