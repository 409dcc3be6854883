using System;
using System.Collections.Generic;
using System.Threading;

namespace Roomwire
{
    /// <summary>What a socket thread reports to the game's thread.</summary>
    internal enum InboxKind
    {
        Connected,
        ConnectFailed,
        Line,
        Datagram,
        Closed,
    }

    internal struct InboxItem
    {
        public InboxKind Kind;
        /// <summary>Which connection it is about: reports of a connection given up are ignored.</summary>
        public int Generation;
        public string Text;
        public Exception Error;
    }

    /// <summary>
    /// The queue between the socket threads and <see cref="RoomwireClient.Pump"/>. Lines are bounded:
    /// a reader that finds it full waits, so a game that stops pumping stops reading, and the
    /// server's slow-consumer rule takes over instead of this process's memory growing.
    /// Datagrams beyond the bound are dropped (they are unreliable anyway); state changes always fit.
    /// </summary>
    internal sealed class Inbox
    {
        readonly object gate = new object();
        readonly int maxLines;
        Queue<InboxItem> items = new Queue<InboxItem>();
        Queue<InboxItem> spare = new Queue<InboxItem>();
        int lines;

        public Inbox(int maxLines)
        {
            this.maxLines = Math.Max(1, maxLines);
        }

        /// <summary>Adds a line, waiting while the queue is full; false once the line is no longer wanted.</summary>
        public bool PostLine(int generation, string text, Func<bool> stillWanted)
        {
            lock (gate)
            {
                while (lines >= maxLines && stillWanted()) Monitor.Wait(gate, 100);
                if (!stillWanted()) return false;
                lines += 1;
                items.Enqueue(new InboxItem { Kind = InboxKind.Line, Generation = generation, Text = text });
                return true;
            }
        }

        public void PostDatagram(int generation, string text)
        {
            lock (gate)
            {
                if (lines >= maxLines) return;
                lines += 1;
                items.Enqueue(new InboxItem { Kind = InboxKind.Datagram, Generation = generation, Text = text });
            }
        }

        public void Post(InboxKind kind, int generation, Exception error)
        {
            lock (gate)
            {
                items.Enqueue(new InboxItem { Kind = kind, Generation = generation, Error = error });
            }
        }

        /// <summary>Takes everything posted so far, in order; the game's thread reads it without the lock.</summary>
        public Queue<InboxItem> TakeAll()
        {
            lock (gate)
            {
                var taken = items;
                items = spare;
                items.Clear();
                spare = taken;
                lines = 0;
                Monitor.PulseAll(gate);
                return taken;
            }
        }
    }
}
