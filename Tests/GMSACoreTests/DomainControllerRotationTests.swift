import GMSACore
import Testing

@Suite struct DomainControllerRotationTests {
    static let dead = (1...16).map { DomainController(host: "dead\($0).company.test") }
    static let alive = DomainController(host: "dc1.company.test")
    static let all = dead + [alive]

    /// The DCs a pass tries within its budget when every one costs `cost` ms and none answers.
    static func pass(_ order: [DomainController], cost: Int64, timeoutSeconds: Int) -> [DomainController] {
        var tried: [DomainController] = []
        for controller in order {
            let elapsed = Int64(tried.count) * cost
            guard DomainControllerRotation.mayTryAnother(elapsed: elapsed, tried: tried.count, timeoutSeconds: timeoutSeconds) else {
                break
            }
            tried.append(controller)
        }
        return tried
    }

    @Test func theBudgetIsFourTimeouts() {
        #expect(DomainControllerRotation.budget(timeoutSeconds: 30) == 120_000)
        #expect(DomainControllerRotation.budget(timeoutSeconds: 2) == 8_000)
    }

    @Test func aPassTriesFourDCsThatDoNotAnswerAndAnyNumberThatRefuseAtOnce() {
        // A dropped packet costs the timeout and a little more.
        #expect(Self.pass(Self.all, cost: 30_050, timeoutSeconds: 30).count == 4)
        #expect(Self.pass(Self.all, cost: 2_010, timeoutSeconds: 2).count == 4)
        // A refused connection costs a millisecond: every DC is tried.
        #expect(Self.pass(Self.all, cost: 1, timeoutSeconds: 30).count == 17)
        // The first DC is always tried, even when it alone costs more than the budget.
        #expect(DomainControllerRotation.mayTryAnother(elapsed: 1_000_000, tried: 0, timeoutSeconds: 30))
        #expect(!DomainControllerRotation.mayTryAnother(elapsed: 1_000_000, tried: 1, timeoutSeconds: 30))
    }

    @Test func theNextPassesTryTheRestUntilOneAnswers() {
        var rotation = DomainControllerRotation()
        var now: Int64 = 0
        var reached: [DomainController] = []
        for _ in 0..<4 {
            let order = rotation.arranged(Self.all, now: now)
            let tried = Self.pass(order, cost: 30_050, timeoutSeconds: 30)
            reached += tried
            rotation.record(controllers: order, tried: tried, used: nil, now: now)
            now += 125_000
        }
        #expect(reached == Self.dead, "four passes try the 16 dead DCs once each, in DNS order")
        let order = rotation.arranged(Self.all, now: now)
        #expect(order.first == Self.alive, "the fifth pass starts with the DC not tried yet")
        rotation.record(controllers: order, tried: [], used: Self.alive, now: now)
        #expect(rotation.arranged(Self.all, now: now + 60_000) == [Self.alive] + Self.dead, "the DC that answered comes first")
    }

    @Test func failedDCsAreForgottenAfterAnHour() {
        var rotation = DomainControllerRotation()
        rotation.record(controllers: Self.all, tried: Array(Self.dead.prefix(4)), used: Self.alive, now: 0)
        #expect(rotation.arranged(Self.all, now: 3_599_999) == Array(Self.dead.dropFirst(4)) + [Self.alive] + Self.dead.prefix(4))
        #expect(rotation.arranged(Self.all, now: 3_600_000) == Self.all)
    }

    @Test func aRoundWhereEveryDCFailedStartsAgainFromTheGivenOrder() {
        var rotation = DomainControllerRotation()
        let two = [Self.alive, Self.dead[0]]
        rotation.record(controllers: two, tried: [Self.alive], used: nil, now: 0)
        #expect(rotation.arranged(two, now: 1) == [Self.dead[0], Self.alive])
        rotation.record(controllers: two, tried: [Self.dead[0]], used: nil, now: 2)
        #expect(rotation.arranged(two, now: 3) == two)
        rotation.forget()
        #expect(rotation.arranged(two, now: 3) == two)
    }

    @Test func namesCompareWithoutCase() {
        var rotation = DomainControllerRotation()
        rotation.record(controllers: Self.all, tried: [DomainController(host: "DEAD1.company.test")], used: nil, now: 0)
        #expect(rotation.arranged(Self.all, now: 1).last == Self.dead[0])
    }
}
