using System;
using System.Collections.Generic;
using System.Text;

namespace Roomwire
{
    /// <summary>The four relay modes of <c>3:&lt;mode&gt;:payload</c> (docs/protocol.md section 5).</summary>
    public enum MessageMode
    {
        Others = 0,
        All = 1,
        OthersOrdered = 2,
        AllOrdered = 3,
    }

    /// <summary>
    /// The lines and datagrams a client sends (docs/protocol.md sections 2 and 6), and the checks
    /// that throw <see cref="ArgumentException"/> for a field the server would refuse or misread.
    /// </summary>
    public static class Commands
    {
        public const string Leave = "2:-1";

        public static string Login(string username, string password)
        {
            return "0:" + username + ":" + password;
        }

        /// <summary><c>6:&lt;id&gt;:&lt;token&gt;:&lt;received&gt;</c>: takes a broken session over (docs/protocol.md section 10).</summary>
        public static string Resume(int clientId, string token, long received)
        {
            return "6:" + clientId + ":" + token + ":" + received.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        /// <summary><c>6:&lt;received&gt;</c>: the first lines of the session arrived; the server need not keep them for a resume (section 10).</summary>
        public static string Ack(long received)
        {
            return "6:" + received.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public static string ListRooms(string password)
        {
            return string.IsNullOrEmpty(password) ? "1" : "1:" + password;
        }

        public static string Join(string room, string password)
        {
            return string.IsNullOrEmpty(password) ? "2:" + room : "2:" + room + ":" + password;
        }

        public static string Message(MessageMode mode, string payload)
        {
            return "3:" + (int)mode + ":" + payload;
        }

        public static string GroupMessage(string group, string payload)
        {
            return "4:" + group + ":" + payload;
        }

        public static string SetGroup(string group, IList<int> clientIds)
        {
            var line = new StringBuilder("5:").Append(group);
            foreach (int id in clientIds) line.Append(':').Append(id);
            return line.ToString();
        }

        public static string Ping(string token)
        {
            return "8:" + token;
        }

        public static string UdpBind(int clientId)
        {
            return "0:" + clientId;
        }

        public static string UdpMessage(int clientId, MessageMode mode, string payload)
        {
            return clientId + ":3:" + (int)mode + ":" + payload;
        }

        public static string UdpGroupMessage(int clientId, string group, string payload)
        {
            return clientId + ":4:" + group + ":" + payload;
        }

        internal static void CheckUsername(string username)
        {
            CheckLine("username", username);
            if (username.IndexOf(':') >= 0 || HasControl(username)) Bad("username", "holds no ':' or control characters");
        }

        internal static void CheckLoginPassword(string password)
        {
            CheckLine("password", password);
            // 0:username:password has exactly three fields.
            if (password.IndexOf(':') >= 0) Bad("password", "of a login holds no ':'");
        }

        internal static void CheckRoom(string room)
        {
            CheckLine("room", room);
            if (room.Length == 0 || room == "-1" || room.IndexOf(':') >= 0 || room.IndexOf(',') >= 0 || HasControl(room))
            {
                Bad("room", "is not empty, not -1, and holds no ':', ',' or control characters");
            }
        }

        internal static void CheckGroup(string group)
        {
            CheckLine("group", group);
            if (group.Length == 0 || group.IndexOf(':') >= 0 || HasControl(group)) Bad("group", "is not empty and holds no ':' or control characters");
        }

        internal static void CheckMode(MessageMode mode)
        {
            if ((int)mode < 0 || (int)mode > 3) throw new ArgumentOutOfRangeException("mode", "mode is 0, 1, 2 or 3");
        }

        internal static void CheckIds(IList<int> clientIds)
        {
            if (clientIds == null) throw new ArgumentNullException("clientIds");
            foreach (int id in clientIds) if (id < 0) Bad("clientIds", "are non-negative");
        }

        /// <summary>A payload or a password: the rest of the line, ':' allowed, but one line.</summary>
        internal static void CheckLine(string name, string value)
        {
            if (value == null) throw new ArgumentNullException(name);
            if (value.IndexOf('\n') >= 0 || value.IndexOf('\r') >= 0) Bad(name, "is one line: no \\r or \\n");
        }

        static bool HasControl(string value)
        {
            foreach (char c in value) if (char.IsControl(c)) return true;
            return false;
        }

        static void Bad(string name, string rule)
        {
            throw new ArgumentException("a " + name + " " + rule, name);
        }
    }
}
