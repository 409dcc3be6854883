using System;
using System.Collections.Generic;

namespace Roomwire
{
    /// <summary>
    /// Commands that await an answer, one at a time, as in the TypeScript client: the protocol has
    /// no request ids, so an answer is recognised by its shape, and a <c>9:</c> line that arrives
    /// while a request is pending is taken as its refusal (docs/client.md, "Limitations").
    /// Requests wait here while the connection opens.
    /// </summary>
    internal sealed class RequestQueue
    {
        internal sealed class Entry
        {
            public string Line;
            public Request Request;
            /// <summary>Returns true (and the value) when the line answers the request.</summary>
            public Func<ServerLine, Entry, bool> Answers;
            /// <summary>Asked when the request's turn comes: a non-null value answers it without sending.</summary>
            public Func<object> Shortcut;
            public object Value;
        }

        readonly Queue<Entry> waiting = new Queue<Entry>();
        Entry pending;
        long deadline;
        bool open;

        /// <summary>Sends a line; false when it could not be queued.</summary>
        public Func<string, bool> Send;
        public int TimeoutMs;

        public bool Idle { get { return pending == null && waiting.Count == 0; } }

        public void Add(Entry entry, long now)
        {
            waiting.Enqueue(entry);
            if (pending == null && open) Next(now);
        }

        /// <summary>The connection is usable: requests start going out.</summary>
        public void Open(long now)
        {
            open = true;
            if (pending == null) Next(now);
        }

        /// <summary>Shows a server line to the pending request, which completes if it is its answer.</summary>
        public void Offer(ServerLine line, long now)
        {
            var entry = pending;
            if (entry == null || !entry.Answers(line, entry)) return;
            pending = null;
            entry.Request.Complete(entry.Value);
            Next(now);
        }

        /// <summary>Fails the pending request with a server refusal; false when none was pending.</summary>
        public bool Refuse(RoomwireException error, long now)
        {
            var entry = pending;
            if (entry == null) return false;
            pending = null;
            entry.Request.Fail(error);
            Next(now);
            return true;
        }

        /// <summary>Fails every request (the connection is gone) and waits for the next open.</summary>
        public void FailAll(RoomwireException error)
        {
            open = false;
            var entries = new List<Entry>();
            if (pending != null) entries.Add(pending);
            entries.AddRange(waiting);
            pending = null;
            waiting.Clear();
            foreach (var entry in entries) entry.Request.Fail(error);
        }

        /// <summary>True when the pending request has waited too long: the caller closes the connection.</summary>
        public bool TimedOut(long now)
        {
            return pending != null && now >= deadline;
        }

        void Next(long now)
        {
            while (pending == null && waiting.Count > 0 && open)
            {
                var entry = waiting.Dequeue();
                object early = entry.Shortcut == null ? null : entry.Shortcut();
                if (early != null)
                {
                    entry.Request.Complete(early);
                    continue;
                }
                pending = entry;
                deadline = now + TimeoutMs;
                if (!Send(entry.Line))
                {
                    pending = null;
                    entry.Request.Fail(RoomwireException.Client(ErrorCodes.SendQueueFull, "the send queue is full"));
                }
            }
        }
    }
}
