using System;
using System.Collections.Generic;

namespace Roomwire
{
    /// <summary>
    /// The codes of <see cref="RoomwireException"/>: the server's own <c>9:&lt;code&gt;</c> codes
    /// (docs/protocol.md section 7), which reach callers unchanged, and the client's own.
    /// A code is never renamed or reused.
    /// </summary>
    public static class ErrorCodes
    {
        // Client-side codes, the same words as the TypeScript client's.
        public const string NotConnected = "not_connected";
        public const string ConnectFailed = "connect_failed";
        public const string ConnectionClosed = "connection_closed";
        public const string Timeout = "timeout";
        public const string NotLoggedIn = "not_logged_in";
        public const string NotInRoom = "not_in_room";
        public const string UdpNotBound = "udp_not_bound";
        public const string UnknownGroup = "unknown_group";
        /// <summary>The bounded send queue is full: the server (or the network) is slower than the game.</summary>
        public const string SendQueueFull = "send_queue_full";

        // Server codes that a game is likely to branch on (the full list: docs/protocol.md section 7).
        public const string AuthFailed = "auth_failed";
        public const string TooManyAuthFailures = "too_many_auth_failures";
        public const string AlreadyLoggedIn = "already_logged_in";
        public const string WrongRoomPassword = "wrong_room_password";
        public const string RoomFull = "room_full";
        public const string BadRoomName = "bad_room_name";
        public const string Kicked = "kicked";
        public const string RoomClosed = "room_closed";
        public const string ShuttingDown = "shutting_down";
        public const string SlowConsumer = "slow_consumer";
        public const string RateLimited = "rate_limited";
        public const string Unavailable = "unavailable";
        /// <summary>A resume refused: no session with that id and token (it ended, or the token is wrong).</summary>
        public const string ResumeFailed = "resume_failed";
        /// <summary>A resume refused: the server no longer holds every line missed; the session ended.</summary>
        public const string ResumeGap = "resume_gap";
        /// <summary>Another connection resumed this session; this one is closed.</summary>
        public const string SessionResumed = "session_resumed";

        /// <summary>Server codes after which the server closes the connection.</summary>
        static readonly HashSet<string> Closing = new HashSet<string> {
            "too_many_auth_failures", "line_too_long", "slow_consumer", "server_full", "shutting_down",
            "internal", "kicked", "login_timeout", "idle_timeout", "rate_limit_exceeded",
            "too_many_connections_from_ip", "write_timeout", "session_resumed",
        };

        /// <summary>Codes after which reconnecting is wrong: the server meant this client to go.</summary>
        static readonly HashSet<string> Final = new HashSet<string> { "too_many_auth_failures", "kicked", "session_resumed" };

        /// <summary>True when the server closes the connection after sending this code.</summary>
        public static bool ClosesConnection(string code)
        {
            return code != null && Closing.Contains(code);
        }

        /// <summary>True when a reconnect must not follow a close with this code.</summary>
        public static bool EndsReconnect(string code)
        {
            return code != null && Final.Contains(code);
        }
    }

    /// <summary>
    /// A refusal by the server (<see cref="Code"/> is its <c>9:&lt;code&gt;</c>, <see cref="Reason"/>
    /// its text, <see cref="FromServer"/> true) or a client-side failure (a code of <see cref="ErrorCodes"/>).
    /// </summary>
    public class RoomwireException : Exception
    {
        public RoomwireException(string code, string reason, bool fromServer, Exception inner = null)
            : base(code + ": " + reason, inner)
        {
            Code = code;
            Reason = reason;
            FromServer = fromServer;
        }

        /// <summary>The stable, machine-readable code, as on the wire.</summary>
        public string Code { get; private set; }

        /// <summary>The human-readable reason; it may change between versions.</summary>
        public string Reason { get; private set; }

        /// <summary>True for a <c>9:</c> line (or datagram) from the server.</summary>
        public bool FromServer { get; private set; }

        /// <summary>True when the server closes the connection after this refusal.</summary>
        public bool ClosesConnection { get { return FromServer && ErrorCodes.ClosesConnection(Code); } }

        internal static RoomwireException Client(string code, string reason, Exception inner = null)
        {
            return new RoomwireException(code, reason, false, inner);
        }
    }
}
