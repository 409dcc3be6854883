using System;
using Roomwire;

namespace Roomwire.Tests
{
    /// <summary>
    /// The C# half of the mixed-room test (test/integration/csharp-client.test.ts): a TypeScript
    /// client is already in ROOM as its master. Each step checks what the C# client sees of it; the
    /// TypeScript side checks what it sees of this client. Prints "ok" and exits 0 when all held.
    /// </summary>
    public static class Interop
    {
        public static int Run(int port, string roomName)
        {
            var t = new TestContext(port);
            try
            {
                var client = t.Player("csharp");
                var seen = new Recorder(client);
                var view = t.Await(client.Join(roomName));
                Assert.Equal(2, view.Members.Count, "the TypeScript client and me");
                int tsId = view.Members[0];
                Assert.Equal(tsId, view.MasterId, "the TypeScript client is master");
                Assert.True(seen.Joins.Exists(j => j.ClientId == tsId && j.Existing), "its join, as existing");

                client.Send(MessageMode.Others, "hello from C#");
                t.Until(() => seen.HasMessage(tsId, "hello from TypeScript"), "the TypeScript client's answer", 5000);
                // It leaves: I see the leave and become master.
                t.Until(() => seen.Leaves.Exists(l => l.ClientId == tsId), "its leave", 5000);
                t.Until(() => client.Room.MasterId == client.SelfId, "the master role");
                Assert.True(seen.Masters.Exists(m => m.MasterId == client.SelfId), "a MasterChanged event for me");
                // It comes back: it sees me as master; then I leave and it sees me go and takes over.
                t.Until(() => seen.Joins.FindAll(j => j.ClientId == tsId).Count == 2, "its second join", 5000);
                client.Send(MessageMode.All, "bye from C#");
                t.Until(() => seen.HasMessage(client.SelfId, "bye from C#"), "my own mode-1 message");
                t.Await(client.Leave());
                Console.WriteLine("ok");
                return 0;
            }
            catch (Exception error)
            {
                Console.WriteLine("not ok :: " + error.Message);
                return 1;
            }
            finally
            {
                t.Dispose();
            }
        }
    }
}
