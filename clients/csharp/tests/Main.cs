using System;
using System.Diagnostics;
using Roomwire;

namespace Roomwire.Tests
{
    /// <summary>
    /// <c>list</c> prints the test names; <c>run PORT [NAME...]</c> runs them (all by default) against
    /// the server on PORT, one line per test (<c>ok NAME</c> or <c>not ok NAME :: why</c>), then
    /// "N passed, N failed"; <c>interop PORT ROOM</c> is the C# half of the test with a TypeScript client.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            string command = args.Length > 0 ? args[0] : "";
            if (command == "list")
            {
                foreach (var test in ClientTests.All) Console.WriteLine(test.Key);
                return 0;
            }
            if (command == "run" && args.Length >= 2) return Run(int.Parse(args[1]), args);
            if (command == "interop" && args.Length == 3) return Interop.Run(int.Parse(args[1]), args[2]);
            Console.Error.WriteLine("usage: RoomwireTests.exe list | run PORT [NAME...] | interop PORT ROOM");
            return 2;
        }

        static int Run(int port, string[] args)
        {
            int passed = 0, failed = 0;
            foreach (var test in ClientTests.All)
            {
                if (args.Length > 2 && Array.IndexOf(args, test.Key, 2) < 0) continue;
                var context = new TestContext(port);
                var watch = Stopwatch.StartNew();
                try
                {
                    test.Value(context);
                    passed += 1;
                    Console.WriteLine("ok " + test.Key + " (" + watch.ElapsedMilliseconds + " ms)");
                }
                catch (Exception error)
                {
                    failed += 1;
                    string why = error is AssertionException ? error.Message : error.ToString();
                    Console.WriteLine("not ok " + test.Key + " :: " + why.Replace("\n", " | "));
                }
                finally
                {
                    context.Dispose();
                }
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
