using System;
using System.Collections;

namespace Roomwire
{
    /// <summary>
    /// A command that awaits the server's answer. It completes inside <see cref="RoomwireClient.Pump"/>,
    /// on the game's thread, and so do its callbacks; a callback added after completion runs at once.
    /// In Unity a coroutine can <c>yield return</c> it: it is an <see cref="IEnumerator"/> that runs
    /// until the request is done. A failure that no <see cref="Catch"/> handles goes to the client's
    /// <see cref="RoomwireClient.Error"/> event, so that no refusal passes unseen.
    /// </summary>
    public class Request : IEnumerator
    {
        Action<Request> done;
        Action<RoomwireException> failed;
        readonly IRequestHost host;

        internal Request(IRequestHost host)
        {
            this.host = host;
        }

        public bool IsDone { get; private set; }
        /// <summary>Null while pending or after success.</summary>
        public RoomwireException Error { get; private set; }
        public bool Succeeded { get { return IsDone && Error == null; } }

        /// <summary>Runs <paramref name="callback"/> when the request is done, failed or not.</summary>
        public Request Finally(Action<Request> callback)
        {
            if (IsDone) callback(this);
            else done += callback;
            return this;
        }

        /// <summary>Runs <paramref name="callback"/> if the request fails.</summary>
        public Request Catch(Action<RoomwireException> callback)
        {
            if (IsDone) { if (Error != null) callback(Error); }
            else failed += callback;
            return this;
        }

        internal void Fail(RoomwireException error)
        {
            if (IsDone) return;
            Error = error;
            IsDone = true;
            var handlers = failed;
            if (handlers != null) Invoke(handlers, error);
            else if (host != null) host.Unhandled(error);
            Finish();
        }

        protected void Finish()
        {
            IsDone = true;
            var handlers = done;
            done = null;
            failed = null;
            if (handlers != null) Invoke(handlers, this);
        }

        /// <summary>Runs each callback; one that throws does not stop the others or the client.</summary>
        protected void Invoke<TArg>(Action<TArg> handlers, TArg value)
        {
            foreach (Action<TArg> handler in handlers.GetInvocationList())
            {
                try
                {
                    handler(value);
                }
                catch (Exception error)
                {
                    if (host == null) throw;
                    host.CallbackFailed(error);
                }
            }
        }

        protected void MarkDone()
        {
            IsDone = true;
        }

        internal virtual void Complete(object value)
        {
            if (IsDone) return;
            MarkDone();
            Finish();
        }

        object IEnumerator.Current { get { return null; } }
        bool IEnumerator.MoveNext() { return !IsDone; }
        void IEnumerator.Reset() { }
    }

    /// <summary>Where a request reports what its callbacks did not handle.</summary>
    internal interface IRequestHost
    {
        /// <summary>A failure without a <see cref="Request.Catch"/>.</summary>
        void Unhandled(RoomwireException error);
        /// <summary>A callback threw.</summary>
        void CallbackFailed(Exception error);
    }

    /// <summary>A <see cref="Request"/> with a value: your client id, the room list, the room you joined.</summary>
    public sealed class Request<T> : Request
    {
        Action<T> succeeded;

        internal Request(IRequestHost host) : base(host) { }

        /// <summary>The answer, once <see cref="Request.Succeeded"/>.</summary>
        public T Value { get; private set; }

        /// <summary>Runs <paramref name="callback"/> with the answer if the request succeeds.</summary>
        public Request<T> Then(Action<T> callback)
        {
            if (IsDone) { if (Error == null) callback(Value); }
            else succeeded += callback;
            return this;
        }

        public new Request<T> Catch(Action<RoomwireException> callback)
        {
            base.Catch(callback);
            return this;
        }

        internal override void Complete(object value)
        {
            if (IsDone) return;
            Value = (T)value;
            MarkDone();
            var handlers = succeeded;
            succeeded = null;
            if (handlers != null) Invoke(handlers, Value);
            Finish();
        }
    }
}
