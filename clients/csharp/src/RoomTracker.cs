using System.Collections.Generic;

namespace Roomwire
{
    /// <summary>The room the client is in, kept up to date from <c>2:</c> and <c>4:</c> lines (docs/protocol.md section 4).</summary>
    internal sealed class RoomTracker
    {
        public string Name;
        /// <summary>Oldest first.</summary>
        public readonly List<int> Members = new List<int>();
        public int MasterId = -1;
        /// <summary>True between your own <c>2:&lt;me&gt;:&lt;room&gt;</c> and the <c>4:</c> that ends the join's answer.</summary>
        public bool Listing;

        public bool InRoom { get { return Name != null; } }

        public RoomView Snapshot()
        {
            return Name == null ? null : new RoomView(Name, new List<int>(Members), MasterId);
        }

        public void Clear()
        {
            Name = null;
            Members.Clear();
            MasterId = -1;
            Listing = false;
        }

        /// <summary>A <c>2:&lt;id&gt;:&lt;room&gt;</c> line; null when it is about no room of ours.</summary>
        public MemberEvent Joined(int clientId, string room, int me)
        {
            bool self = clientId == me;
            bool existing = false;
            if (self)
            {
                Clear();
                Name = room;
                Members.Add(clientId);
                Listing = true;
            }
            else if (Name == room)
            {
                if (Members.Contains(clientId)) return null;
                existing = Listing;
                // Members already there are listed oldest first, right after the joiner itself.
                if (Listing) Members.Insert(Members.Count - 1, clientId);
                else Members.Add(clientId);
            }
            else
            {
                return null;
            }
            return new MemberEvent { ClientId = clientId, Room = room, IsSelf = self, Existing = existing };
        }

        /// <summary>A <c>2:&lt;id&gt;:</c> line; null when it is about no room of ours.</summary>
        public MemberEvent Left(int clientId, int me)
        {
            if (Name == null) return null;
            string room = Name;
            bool self = clientId == me;
            if (self) Clear();
            else if (!Members.Remove(clientId)) return null;
            return new MemberEvent { ClientId = clientId, Room = room, IsSelf = self };
        }

        /// <summary>A <c>4:&lt;id&gt;</c> line; null when in no room.</summary>
        public MasterEvent Master(int masterId)
        {
            if (Name == null) return null;
            MasterId = masterId;
            Listing = false;
            return new MasterEvent { MasterId = masterId, Room = Name };
        }
    }
}
