using System.Collections.Generic;

namespace Roomwire
{
    /// <summary>What a server line (or datagram) is (docs/protocol.md section 3).</summary>
    public enum ServerLineType
    {
        /// <summary>A type this client does not know, or a known type it cannot read: ignored (section 1).</summary>
        Unknown,
        LoggedIn,
        UdpConnected,
        RoomList,
        Joined,
        Left,
        Message,
        Master,
        Pong,
        Error,
        /// <summary><c>6:&lt;id&gt;:&lt;missed&gt;</c>: a session resume was accepted (docs/protocol.md section 10).</summary>
        Resumed,
    }

    /// <summary>One server line, parsed. Which fields are set depends on <see cref="Type"/>.</summary>
    public sealed class ServerLine
    {
        public ServerLineType Type;
        /// <summary>The client id of <c>0:</c>, <c>2:</c>, <c>3:</c> (the sender) or <c>4:</c> (the master).</summary>
        public int ClientId;
        /// <summary>The room of <c>2:</c>; the payload of <c>3:</c>; the token of <c>8:</c>; the reason of <c>9:</c>.</summary>
        public string Text;
        /// <summary>The code of <c>9:</c>; the session token of <c>0:&lt;id&gt;:&lt;token&gt;</c> (null when none).</summary>
        public string Code;
        public List<RoomInfo> Rooms;
        /// <summary>The lines the server replays after a <c>6:</c> answer.</summary>
        public long Count;

        static readonly ServerLine UnknownLine = new ServerLine { Type = ServerLineType.Unknown };

        /// <summary>
        /// Parses a line without its newline. <paramref name="datagram"/> says it came over UDP, where
        /// <c>0:&lt;id&gt;:connected</c> answers a bind; over TCP a <c>0:</c> line is a login answer whose
        /// extra fields (the resume token, docs/protocol.md section 10) are read and never required.
        /// </summary>
        public static ServerLine Parse(string line, bool datagram)
        {
            int first = line.IndexOf(':');
            string type = first < 0 ? line : line.Substring(0, first);
            string rest = first < 0 ? "" : line.Substring(first + 1);
            int second = rest.IndexOf(':');
            string field1 = second < 0 ? rest : rest.Substring(0, second);
            string tail = second < 0 ? null : rest.Substring(second + 1);
            int id;
            bool hasId = TryParseId(field1, out id);
            switch (type)
            {
                case "0":
                    if (!hasId) break;
                    if (datagram) return tail == "connected" ? Make(ServerLineType.UdpConnected, id) : UnknownLine;
                    // 0:<id>, 0:<id>: (the original server) or 0:<id>:<token>[:more]: field 2 is the token.
                    string token = tail == null ? null : FirstField(tail);
                    return new ServerLine { Type = ServerLineType.LoggedIn, ClientId = id, Code = token == "" ? null : token };
                case "1":
                    var rooms = ParseRoomList(rest);
                    if (rooms == null) break;
                    return new ServerLine { Type = ServerLineType.RoomList, Rooms = rooms };
                case "2":
                    if (!hasId || tail == null) break;
                    return new ServerLine { Type = tail == "" ? ServerLineType.Left : ServerLineType.Joined, ClientId = id, Text = tail };
                case "3":
                    if (!hasId || tail == null) break;
                    return new ServerLine { Type = ServerLineType.Message, ClientId = id, Text = tail };
                case "4":
                    if (!hasId) break;
                    return Make(ServerLineType.Master, id);
                case "6":
                    long missed;
                    if (datagram || !hasId || tail == null || !long.TryParse(tail, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out missed)) break;
                    return new ServerLine { Type = ServerLineType.Resumed, ClientId = id, Count = missed };
                case "8":
                    return new ServerLine { Type = ServerLineType.Pong, Text = rest };
                case "9":
                    return new ServerLine { Type = ServerLineType.Error, Code = field1, Text = tail ?? "" };
            }
            return UnknownLine;
        }

        static ServerLine Make(ServerLineType type, int id)
        {
            return new ServerLine { Type = type, ClientId = id };
        }

        static string FirstField(string text)
        {
            int colon = text.IndexOf(':');
            return colon < 0 ? text : text.Substring(0, colon);
        }

        internal static bool TryParseId(string field, out int id)
        {
            id = 0;
            if (field.Length == 0 || field.Length > 9) return false;
            foreach (char c in field)
            {
                if (c < '0' || c > '9') return false;
                id = id * 10 + (c - '0');
            }
            return true;
        }

        static List<RoomInfo> ParseRoomList(string text)
        {
            var rooms = new List<RoomInfo>();
            if (text == "") return rooms;
            foreach (string entry in text.Split(','))
            {
                // Split an entry at its LAST '-': room names may contain '-'.
                int dash = entry.LastIndexOf('-');
                int count;
                if (dash <= 0 || !TryParseId(entry.Substring(dash + 1), out count)) return null;
                rooms.Add(new RoomInfo(entry.Substring(0, dash), count));
            }
            return rooms;
        }
    }
}
