using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Roomwire;

namespace Roomwire.Tests
{
    /// <summary>A failed expectation.</summary>
    public sealed class AssertionException : Exception
    {
        public AssertionException(string message) : base(message) { }
    }

    /// <summary>One test's world: the server's port, and the clients and helpers to close afterwards.</summary>
    public sealed class TestContext
    {
        readonly List<RoomwireClient> clients = new List<RoomwireClient>();
        readonly List<IDisposable> disposables = new List<IDisposable>();

        public TestContext(int port)
        {
            Port = port;
        }

        public int Port { get; private set; }

        /// <summary>A second server, with <c>resumeTtlMs</c> 400 (ROOMWIRE_SHORT_TTL_PORT), or 0 when none was started.</summary>
        public int ShortTtlPort
        {
            get
            {
                int port;
                return int.TryParse(Environment.GetEnvironmentVariable("ROOMWIRE_SHORT_TTL_PORT"), out port) ? port : 0;
            }
        }

        public RoomwireClientOptions Options(int port = 0)
        {
            return new RoomwireClientOptions { Host = "127.0.0.1", Port = port > 0 ? port : Port, RequestTimeoutMs = 5000 };
        }

        /// <summary>Options of a client behind <paramref name="proxy"/> (UDP straight to the server) that reconnects quickly.</summary>
        public RoomwireClientOptions Reconnecting(TcpProxy proxy, int serverPort = 0)
        {
            var options = Options(serverPort);
            options.UdpPort = options.Port;
            options.Port = proxy.Port;
            options.Reconnect = new ReconnectOptions { InitialDelayMs = 20, MaxDelayMs = 100 };
            return options;
        }

        /// <summary>A client (not yet connected), pumped by <see cref="Until"/> and closed after the test.</summary>
        public RoomwireClient Client(RoomwireClientOptions options = null)
        {
            var client = new RoomwireClient(options ?? Options());
            client.Error += error => { };
            clients.Add(client);
            return client;
        }

        /// <summary>A client that is connected, logged in as <paramref name="name"/> and, if given, in <paramref name="roomName"/>.</summary>
        public RoomwireClient Player(string name, string roomName = null, string password = "", int port = 0)
        {
            var client = Client(Options(port));
            client.Connect();
            Await(client.Login(name, "pw"));
            if (roomName != null) Await(client.Join(roomName, password));
            return client;
        }

        public T Track<T>(T disposable) where T : IDisposable
        {
            disposables.Add(disposable);
            return disposable;
        }

        /// <summary>Pumps every client of the test until <paramref name="done"/> holds.</summary>
        public void Until(Func<bool> done, string what, int timeoutMs = 5000)
        {
            var watch = Stopwatch.StartNew();
            while (true)
            {
                foreach (var client in clients.ToArray()) client.Pump();
                if (done()) return;
                if (watch.ElapsedMilliseconds > timeoutMs) throw new AssertionException("timed out after " + timeoutMs + " ms waiting for " + what);
                Thread.Sleep(1);
            }
        }

        /// <summary>Pumps for a while, for what must NOT happen.</summary>
        public void PumpFor(int ms)
        {
            var watch = Stopwatch.StartNew();
            while (watch.ElapsedMilliseconds < ms)
            {
                foreach (var client in clients.ToArray()) client.Pump();
                Thread.Sleep(1);
            }
        }

        public T Await<T>(Request<T> request, int timeoutMs = 5000)
        {
            Await((Request)request, timeoutMs);
            return request.Value;
        }

        public void Await(Request request, int timeoutMs = 5000)
        {
            Until(() => request.IsDone, "a request", timeoutMs);
            if (request.Error != null) throw new AssertionException("request failed: " + request.Error.Message);
        }

        /// <summary>Waits for the request to fail, and returns why.</summary>
        public RoomwireException Refused(Request request, int timeoutMs = 5000)
        {
            request.Catch(error => { });
            Until(() => request.IsDone, "a refusal", timeoutMs);
            if (request.Error == null) throw new AssertionException("the request succeeded; expected a refusal");
            return request.Error;
        }

        public void Dispose()
        {
            foreach (var client in clients) client.Close();
            try { PumpFor(30); } catch (Exception) { }
            foreach (var disposable in disposables) disposable.Dispose();
        }
    }

    public static class Assert
    {
        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual)) throw new AssertionException(what + ": expected " + expected + ", got " + actual);
        }

        public static void True(bool condition, string what)
        {
            if (!condition) throw new AssertionException(what);
        }

        public static void Sequence<T>(IList<T> expected, IList<T> actual, string what)
        {
            bool same = expected.Count == actual.Count;
            for (int i = 0; same && i < expected.Count; i++) same = EqualityComparer<T>.Default.Equals(expected[i], actual[i]);
            if (!same) throw new AssertionException(what + ": expected [" + string.Join(",", expected) + "], got [" + string.Join(",", actual) + "]");
        }

        /// <summary>Runs <paramref name="action"/> and returns the exception of type <typeparamref name="T"/> it throws.</summary>
        public static T Throws<T>(Action action, string what) where T : Exception
        {
            try
            {
                action();
            }
            catch (T error)
            {
                return error;
            }
            throw new AssertionException(what + ": expected " + typeof(T).Name + ", nothing was thrown");
        }

        public static void Code(string code, RoomwireException error, string what)
        {
            if (error == null) throw new AssertionException(what + ": expected " + code + ", got no error");
            Equal(code, error.Code, what);
        }
    }

    /// <summary>Records a client's events, in order, for assertions.</summary>
    public sealed class Recorder
    {
        public readonly List<MemberEvent> Joins = new List<MemberEvent>();
        public readonly List<MemberEvent> Leaves = new List<MemberEvent>();
        public readonly List<MasterEvent> Masters = new List<MasterEvent>();
        public readonly List<MessageEvent> Messages = new List<MessageEvent>();
        public readonly List<RoomwireException> Errors = new List<RoomwireException>();
        public readonly List<CloseEvent> Closes = new List<CloseEvent>();
        public readonly List<ReconnectedEvent> Reconnects = new List<ReconnectedEvent>();

        readonly int thread = System.Threading.Thread.CurrentThread.ManagedThreadId;

        /// <summary>Events that ran on another thread than the one that made the recorder (and pumps).</summary>
        public int OffThread { get; private set; }

        public Recorder(RoomwireClient client)
        {
            client.Joined += On(Joins);
            client.Left += On(Leaves);
            client.MasterChanged += On(Masters);
            client.MessageReceived += On(Messages);
            client.Error += On(Errors);
            client.Closed += On(Closes);
            client.Reconnected += On(Reconnects);
        }

        Action<T> On<T>(List<T> list)
        {
            return value =>
            {
                if (System.Threading.Thread.CurrentThread.ManagedThreadId != thread) OffThread += 1;
                list.Add(value);
            };
        }

        public bool HasMessage(int senderId, string payload)
        {
            return Messages.Exists(m => m.SenderId == senderId && m.Payload == payload);
        }

        public List<string> Payloads()
        {
            return Messages.ConvertAll(m => m.Payload);
        }
    }
}
